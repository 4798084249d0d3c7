import {
  fatal,
  messageOf,
  MigrationError,
  permanent,
  retryable,
  type FailureClass,
} from '../errors.ts';
import { CursorResetError } from '../engine/source.ts';

/** What an HTTP error from Dropbox carries, whether it came through the SDK or our own fetch. */
export interface DropboxHttpError {
  readonly status: number;
  readonly headers: Headers | undefined;
  /** The parsed JSON body, or its text. */
  readonly body: unknown;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** The chain of `.tag`s in a Dropbox error union, e.g. ["path", "not_found"]. */
export function errorTags(body: unknown): string[] {
  const tags: string[] = [];
  let node: unknown = isRecord(body) && 'error' in body ? body.error : body;
  while (isRecord(node) && typeof node['.tag'] === 'string') {
    const tag = node['.tag'];
    tags.push(tag);
    node = node[tag];
  }
  return tags;
}

function retryAfterMs(error: DropboxHttpError): number | undefined {
  const fromBody =
    isRecord(error.body) && isRecord(error.body.error) ? error.body.error.retry_after : undefined;
  const header = error.headers?.get('retry-after');
  const seconds = typeof fromBody === 'number' ? fromBody : header ? Number(header) : Number.NaN;
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : undefined;
}

function summary(error: DropboxHttpError): string {
  if (isRecord(error.body) && typeof error.body.error_summary === 'string') {
    return error.body.error_summary;
  }
  if (isRecord(error.body) && typeof error.body.error === 'string') return error.body.error;
  return typeof error.body === 'string' ? error.body.slice(0, 200) : `HTTP ${String(error.status)}`;
}

const PERMANENT_TAGS: Record<string, [FailureClass, string]> = {
  not_found: ['not_found', 'the file was deleted or moved in Dropbox after it was listed'],
  not_file: ['not_found', 'the path is a folder now, not a file'],
  restricted_content: [
    'restricted_content',
    'Dropbox restricts this file (for example a copyright or legal hold) and will not serve it',
  ],
  unsupported_file: [
    'unsupported_file',
    'Dropbox cannot download this kind of file (a Paper or Google document) directly',
  ],
  non_exportable: ['unsupported_file', 'Dropbox cannot export this file'],
  invalid_export_format: [
    'unsupported_file',
    'Dropbox does not offer this document in that format (see --export-format)',
  ],
};

/**
 * Classifies an HTTP error from Dropbox: what to do about it, and a reason a person can act on.
 * `what` names the operation and path, for the message.
 */
export function classifyDropboxError(error: DropboxHttpError, what: string): Error {
  const tags = errorTags(error.body);
  const said = summary(error);
  if (error.status === 409 && tags.includes('reset')) return new CursorResetError();
  if (error.status === 429) {
    const wait = retryAfterMs(error);
    return retryable('rate_limited', `Dropbox rate limit while ${what} (${said})`, {
      ...(wait === undefined ? {} : { retryAfterMs: wait }),
    });
  }
  if (error.status >= 500) {
    return retryable('server_error', `Dropbox answered ${String(error.status)} while ${what}`);
  }
  if (error.status === 401) {
    if (tags.includes('expired_access_token')) {
      return retryable('expired_token', `the Dropbox access token expired while ${what}`);
    }
    return fatal(
      'bad_credentials',
      `Dropbox refused the credentials while ${what} (${said}). Check DROPBOX_APP_KEY, ` +
        'DROPBOX_APP_SECRET and DROPBOX_REFRESH_TOKEN, or make a new refresh token.',
    );
  }
  if (error.status === 400 && /invalid_grant|invalid_client/.test(said)) {
    return fatal(
      'bad_credentials',
      `Dropbox refused the app key, secret or refresh token (${said}). Make a new refresh token ` +
        'for this app and update the secret.',
    );
  }
  if (error.status === 403) {
    return fatal(
      'access_denied',
      `Dropbox denied access while ${what} (${said}): the app needs the files.content.read and ` +
        'files.metadata.read permissions, then a new refresh token.',
    );
  }
  if (error.status === 422) return pathRootError(tags, said, what);
  if (error.status === 409 && tags.includes('retry_error')) {
    return retryable(
      'export_not_ready',
      `${what}: Dropbox has not prepared the export yet (${said}); it will be tried again`,
    );
  }
  if (error.status === 409) {
    for (const tag of tags) {
      const known = PERMANENT_TAGS[tag];
      if (known) return permanent(known[0], `${what}: ${known[1]} (${said})`);
    }
    return permanent('unknown', `${what}: Dropbox refused it (${said})`);
  }
  return permanent('unknown', `${what}: Dropbox answered ${String(error.status)} (${said})`);
}

/**
 * HTTP 422 answers a `Dropbox-API-Path-Root` Dropbox will not take (see path-root.ts): the
 * account's root namespace changed since this chunk read it (it joined, left or changed teams), or
 * it may not use that namespace. Neither is about one file, so the chunk stops.
 */
function pathRootError(tags: string[], said: string, what: string): MigrationError {
  if (tags.includes('no_permission')) {
    return fatal(
      'access_denied',
      `Dropbox refused the team space while ${what} (${said}): this account may not read its team's ` +
        'root namespace. Run without --team-root, or use a team member with access.',
    );
  }
  return fatal(
    'invalid_path_root',
    `Dropbox says the account's root namespace changed while ${what} (${said}): it joined, left or ` +
      'changed teams. Run again to read the new root; if the team space itself changed, keys may ' +
      'differ, so check the listing before carrying on.',
  );
}

/** Network-level failures (no HTTP answer) are retryable: resets, refused, timeouts. */
export function classifyNetworkError(error: unknown, what: string): MigrationError {
  if (error instanceof MigrationError) return error;
  const cause = isRecord(error) && 'cause' in error ? error.cause : undefined;
  const code = isRecord(cause) && typeof cause.code === 'string' ? cause.code : undefined;
  const message = messageOf(error);
  const timeout = code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT';
  return retryable(
    timeout ? 'timeout' : 'network',
    `connection to Dropbox failed while ${what} (${code ?? message})`,
    { cause: error },
  );
}
