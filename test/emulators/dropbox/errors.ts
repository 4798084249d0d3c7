/**
 * How Dropbox answers failures: 400 plain text for calls it cannot parse, 401 JSON for auth,
 * 409 JSON `{error_summary, error}` for endpoint errors (a union tagged with ".tag"), 429 JSON for
 * rate limits. Handlers throw ApiError; the server writes it.
 */

export type Tagged = { '.tag': string } & Record<string, unknown>;

export class ApiError extends Error {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
  readonly headers: Record<string, string>;

  constructor(
    status: number,
    contentType: string,
    body: string,
    headers: Record<string, string> = {},
  ) {
    super(`HTTP ${status}: ${body.slice(0, 200)}`);
    this.status = status;
    this.contentType = contentType;
    this.body = body;
    this.headers = headers;
  }
}

const TEXT = 'text/plain; charset=utf-8';
const JSON_TYPE = 'application/json';

/** The summary Dropbox builds from the chain of tags: "path/not_found/..". */
export function errorSummary(error: Tagged): string {
  const tags: string[] = [];
  let current: unknown = error;
  while (isTagged(current)) {
    tags.push(current['.tag']);
    current = current[current['.tag']];
  }
  return `${tags.join('/')}/..`;
}

function isTagged(value: unknown): value is Tagged {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Record<string, unknown>)['.tag'] === 'string'
  );
}

/** 400: the call itself is malformed (bad JSON, unknown field, wrong type, missing header). */
export function badRequest(route: string, message: string): ApiError {
  return new ApiError(400, TEXT, `Error in call to API function "${route}": ${message}`);
}

/** 409: the endpoint's own error union. */
export function endpointError(error: Tagged): ApiError {
  return new ApiError(
    409,
    JSON_TYPE,
    JSON.stringify({ error_summary: errorSummary(error), error }),
  );
}

export function lookupError(
  lookup: 'not_found' | 'not_file' | 'not_folder' | 'malformed_path',
): ApiError {
  return endpointError({ '.tag': 'path', path: { '.tag': lookup } });
}

/** 401 with an AuthError tag: invalid_access_token, expired_access_token, ... */
export function authError(tag: string): ApiError {
  const error = { '.tag': tag };
  return new ApiError(401, JSON_TYPE, JSON.stringify({ error_summary: `${tag}/..`, error }));
}

/** 429 as Dropbox sends it: Retry-After header and a RateLimitError body. */
export function tooManyRequests(retryAfterSeconds: number): ApiError {
  const body = {
    error_summary: 'too_many_requests/..',
    error: { reason: { '.tag': 'too_many_requests' }, retry_after: retryAfterSeconds },
  };
  return new ApiError(429, JSON_TYPE, JSON.stringify(body), {
    'Retry-After': String(retryAfterSeconds),
  });
}

export function internalError(): ApiError {
  return new ApiError(500, TEXT, 'Internal Server Error');
}

/** OAuth endpoint errors: `{error, error_description}` with status 400 (as Dropbox answers). */
export function oauthError(error: string, description: string, status = 400): ApiError {
  return new ApiError(status, JSON_TYPE, JSON.stringify({ error, error_description: description }));
}

/** JSON that is safe inside an HTTP header: every character above 0x7E as \uXXXX. */
export function headerSafeJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[\u007f-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
