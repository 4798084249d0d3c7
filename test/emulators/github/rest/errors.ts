/** GitHub's error bodies: `{ message, documentation_url, status }`, plus `errors` on 422. */

export const REST_DOCS = 'https://docs.github.com/rest';

export interface ValidationDetail {
  readonly resource: string;
  readonly field: string;
  readonly code: string;
  readonly message?: string;
}

export class RestError extends Error {
  readonly status: number;
  readonly documentationUrl: string;
  readonly errors: readonly ValidationDetail[] | undefined;
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    status: number,
    message: string,
    documentationUrl: string = REST_DOCS,
    errors?: readonly ValidationDetail[],
    headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.status = status;
    this.documentationUrl = documentationUrl;
    this.errors = errors;
    this.headers = headers;
  }

  body(): Record<string, unknown> {
    return {
      message: this.message,
      ...(this.errors === undefined ? {} : { errors: this.errors }),
      documentation_url: this.documentationUrl,
      status: String(this.status),
    };
  }
}

export function notFound(docs: string = REST_DOCS): RestError {
  return new RestError(404, 'Not Found', docs);
}

/** What GitHub answers when a GITHUB_TOKEN lacks the permission an endpoint needs. */
export function notAccessible(docs: string): RestError {
  return new RestError(403, 'Resource not accessible by integration', docs);
}

export function badCredentials(): RestError {
  return new RestError(401, 'Bad credentials', REST_DOCS);
}

export function requiresAuthentication(): RestError {
  return new RestError(401, 'Requires authentication', REST_DOCS);
}

/** A required body field is missing or of the wrong type (GitHub's JSON-schema check). */
export function invalidRequest(docs: string, detail: string): RestError {
  return new RestError(422, `Invalid request.\n\n${detail}`, docs);
}

export function missingField(docs: string, field: string): RestError {
  return invalidRequest(docs, `"${field}" wasn't supplied.`);
}

export function validationFailed(docs: string, ...errors: ValidationDetail[]): RestError {
  return new RestError(422, 'Validation Failed', docs, errors);
}

export function badJson(): RestError {
  return new RestError(400, 'Problems parsing JSON', REST_DOCS);
}
