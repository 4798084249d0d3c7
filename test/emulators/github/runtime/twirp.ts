/** Twirp over JSON: request fields arrive with their proto names (`restore_keys`, `size_bytes`). */
export type TwirpBody = Readonly<Record<string, unknown>>;

const STATUS: Readonly<Record<string, number>> = {
  invalid_argument: 400,
  unauthenticated: 401,
  permission_denied: 403,
  not_found: 404,
  already_exists: 409,
  failed_precondition: 412,
  unimplemented: 501,
};

/** A Twirp error: `{ code, msg }` with the code's HTTP status. */
export class TwirpError extends Error {
  readonly code: string;
  constructor(code: string, msg: string) {
    super(msg);
    this.code = code;
  }
  get status(): number {
    return STATUS[this.code] ?? 500;
  }
}

export function str(body: TwirpBody, field: string): string {
  const value = body[field];
  if (typeof value !== 'string' || value === '') {
    throw new TwirpError('invalid_argument', `${field} is required`);
  }
  return value;
}

export function optStr(body: TwirpBody, field: string): string | undefined {
  const value = body[field];
  return typeof value === 'string' ? value : undefined;
}

export function strArray(body: TwirpBody, field: string): string[] {
  const value = body[field];
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
    throw new TwirpError('invalid_argument', `${field} must be a list of strings`);
  }
  return value;
}

/** int64 fields travel as decimal strings (protobuf JSON), sometimes as numbers. */
export function int64(body: TwirpBody, field: string): number | undefined {
  const value = body[field];
  if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
  if (typeof value === 'string' && /^-?\d+$/.test(value)) return Number(value);
  if (value === undefined) return undefined;
  throw new TwirpError('invalid_argument', `${field} must be an integer`);
}
