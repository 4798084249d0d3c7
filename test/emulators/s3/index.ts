// The local S3 test bed: s3rver with named fixes and fences, run as its own process.
export {
  startS3,
  S3RVER_CREDENTIALS,
  S3_REGION,
  type S3Harness,
  type StartS3Options,
} from './harness.ts';
export { startServer, type RunningServer, type ServerOptions } from './server.ts';
export { FIX_NAMES } from './fixes/index.ts';
export { MAX_KEY_BYTES } from './fixes/key-too-long.ts';
export { MAX_METADATA_BYTES } from './fixes/metadata-limits.ts';
export { multipartETag } from './fixes/multipart-uploads.ts';
export type { RecordedRequest } from './fixes/expected-bucket-owner.ts';
export { deterministicBytes, deterministicStream, sha256Hex } from './data.ts';
