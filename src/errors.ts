/**
 * Every failure has a class. `retryable` failures are retried with backoff (and, if they persist
 * across chunks, become permanent); `permanent` ones are recorded once with a reason a person
 * understands; `fatal` ones stop the chunk (the ledger is kept) because they are not about one file.
 */
export type FailureKind = 'retryable' | 'permanent' | 'fatal';

/**
 * Short, stable names for why something failed; failures are grouped by them in reports, and
 * `--retry-failed CLASS` names one of them.
 */
export const FAILURE_CLASSES = [
  'rate_limited',
  'server_error',
  'network',
  'timeout',
  'expired_token',
  'not_found',
  'restricted_content',
  'unsupported_file',
  'key_too_long',
  'key_collision',
  'export_not_ready',
  'reserved_key',
  'hash_mismatch',
  'size_mismatch',
  'access_denied',
  'bad_credentials',
  'expired_aws_credentials',
  'missing_bucket',
  'service_down',
  /** S3 no longer has a multipart upload (aborted by a lifecycle rule or by hand): start over. */
  'upload_lost',
  /** The Dropbox account's root namespace changed under --team-root (it changed teams). */
  'invalid_path_root',
  'unknown',
] as const;
export type FailureClass = (typeof FAILURE_CLASSES)[number];

export function isFailureClass(text: string): text is FailureClass {
  return (FAILURE_CLASSES as readonly string[]).includes(text);
}

export class MigrationError extends Error {
  readonly kind: FailureKind;
  readonly failureClass: FailureClass;
  /** How long the service asked us to wait before trying again, when it said. */
  readonly retryAfterMs: number | undefined;

  constructor(
    kind: FailureKind,
    failureClass: FailureClass,
    message: string,
    options: { cause?: unknown; retryAfterMs?: number } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'MigrationError';
    this.kind = kind;
    this.failureClass = failureClass;
    this.retryAfterMs = options.retryAfterMs;
  }
}

/** Bad input: a flag, input or environment variable. Reported before any work starts (exit 2). */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export function retryable(
  failureClass: FailureClass,
  message: string,
  options?: { cause?: unknown; retryAfterMs?: number },
): MigrationError {
  return new MigrationError('retryable', failureClass, message, options);
}

export function permanent(
  failureClass: FailureClass,
  message: string,
  options?: { cause?: unknown },
): MigrationError {
  return new MigrationError('permanent', failureClass, message, options);
}

export function fatal(
  failureClass: FailureClass,
  message: string,
  options?: { cause?: unknown },
): MigrationError {
  return new MigrationError('fatal', failureClass, message, options);
}

/** The message of anything thrown, for logs and ledgers. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Whether an error of upkeep work (cleaning up uploads, writing the manifest) must stop the chunk:
 * a fatal one does, except a refused permission, which only costs that upkeep (a narrow IAM policy
 * should not fail every chunk).
 */
export function stopsUpkeep(error: unknown): boolean {
  return (
    error instanceof MigrationError &&
    error.kind === 'fatal' &&
    error.failureClass !== 'access_denied'
  );
}
