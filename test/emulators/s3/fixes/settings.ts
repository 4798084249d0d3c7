/** What a harness run is configured with beyond its fixes (command-line flags of server.ts). */
export interface HarnessSettings {
  /** The AWS account id that owns every bucket: `x-amz-expected-bucket-owner` is checked against it. */
  ownerAccountId: string;
  /** KMS keys (ids or ARNs) that exist; another key id is `KMS.NotFoundException`. Empty: any. */
  kmsKeys: readonly string[];
  /**
   * IAM actions the caller lacks (e.g. `s3:PutLifecycleConfiguration`): the requests that need
   * them are 403 AccessDenied. Only the operations the fixes name check it (bucket lifecycle and
   * versioning, tagging on upload).
   */
  deniedActions: readonly string[];
}

/** AWS's documentation example account; tests read the real value from `S3Harness.ownerAccountId`. */
export const DEFAULT_OWNER_ACCOUNT_ID = '111122223333';

export const DEFAULT_SETTINGS: HarnessSettings = {
  ownerAccountId: DEFAULT_OWNER_ACCOUNT_ID,
  kmsKeys: [],
  deniedActions: [],
};
