import { isFailureClass, type FailureClass } from '../errors.ts';

const CREDENTIALS =
  'Dropbox or AWS refused the credentials: make a new Dropbox refresh token (or check the AWS role), update the repository secrets, then run the workflow.';
/** For classes that stop a chunk only when something unforeseen happens. */
const READ_THE_MESSAGE =
  'Read the message, fix its cause, then run the workflow (scheduled runs retry on their own).';

/**
 * What a person does about a chunk that stopped on a fatal error of each class. Every class has an
 * entry, so a new class fails the type-check until someone decides what to tell the reader.
 */
const ADVICE: Readonly<Record<FailureClass, string>> = {
  bad_credentials: CREDENTIALS,
  expired_token: CREDENTIALS,
  expired_aws_credentials:
    'The AWS credentials expired during the chunk: raise `role-duration-seconds` (and the role\u2019s maximum session duration) or lower `max-duration`.',
  missing_bucket:
    'The bucket does not exist: create it or fix the `bucket` input, then run the workflow.',
  access_denied:
    'S3 denied an operation: compare the role\u2019s policy with the bucket policy in the README.',
  invalid_path_root:
    'The Dropbox account changed teams: check `team-root`; a new migration may need `reset-ledger`.',
  service_down:
    'A service failed every request: scheduled runs retry; check Dropbox\u2019s and AWS\u2019s status pages if it persists.',
  rate_limited: READ_THE_MESSAGE,
  server_error: READ_THE_MESSAGE,
  network: READ_THE_MESSAGE,
  timeout: READ_THE_MESSAGE,
  not_found: READ_THE_MESSAGE,
  restricted_content: READ_THE_MESSAGE,
  unsupported_file: READ_THE_MESSAGE,
  key_too_long: READ_THE_MESSAGE,
  key_collision: READ_THE_MESSAGE,
  export_not_ready: READ_THE_MESSAGE,
  reserved_key: READ_THE_MESSAGE,
  hash_mismatch: READ_THE_MESSAGE,
  size_mismatch: READ_THE_MESSAGE,
  upload_lost: READ_THE_MESSAGE,
  unknown: READ_THE_MESSAGE,
};

/** The advice for a class as a ledger names it (one from elsewhere may name none of ours). */
export function adviceFor(failureClass: string): string {
  return isFailureClass(failureClass) ? ADVICE[failureClass] : READ_THE_MESSAGE;
}
