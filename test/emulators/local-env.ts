/**
 * The environment the CLI needs to run against the local stand-ins: the Dropbox emulator's default
 * test credentials and s3rver's fixed keys (public test values, not secrets), and the S3 checksum
 * settings s3rver needs (it would store aws-chunked framing otherwise).
 */
export const LOCAL_ENV: Readonly<NodeJS.ProcessEnv> = {
  DROPBOX_APP_KEY: 'test-app-key',
  DROPBOX_APP_SECRET: 'test-app-secret',
  DROPBOX_REFRESH_TOKEN: 'test-refresh-token',
  AWS_ACCESS_KEY_ID: 'S3RVER',
  AWS_SECRET_ACCESS_KEY: 'S3RVER',
  AWS_REGION: 'us-east-1',
  AWS_REQUEST_CHECKSUM_CALCULATION: 'WHEN_REQUIRED',
  AWS_RESPONSE_CHECKSUM_VALIDATION: 'WHEN_REQUIRED',
};
