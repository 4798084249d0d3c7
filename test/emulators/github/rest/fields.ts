/** Reading a JSON request body the way GitHub's schema checks do. */
import { invalidRequest, missingField, validationFailed } from './errors.ts';

export type JsonObject = Record<string, unknown>;

export function asObject(body: unknown, docs: string): JsonObject {
  if (body === undefined) return {};
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw invalidRequest(docs, 'Body is not an object.');
  }
  return body as JsonObject;
}

export function requiredString(obj: JsonObject, field: string, docs: string): string {
  const value = obj[field];
  if (value === undefined || value === null) throw missingField(docs, field);
  if (typeof value === 'number') return String(value);
  if (typeof value !== 'string') throw wrongType(docs, field, value, 'string');
  return value;
}

/** undefined when absent, null when explicitly null. */
export function optionalString(
  obj: JsonObject,
  field: string,
  docs: string,
): string | null | undefined {
  const value = obj[field];
  if (value === undefined || value === null) return value;
  if (typeof value !== 'string') throw wrongType(docs, field, value, 'string');
  return value;
}

/** Label names from `labels: ["bug", { "name": "x" }]`. */
export function labelNames(obj: JsonObject, field: string, docs: string): string[] | undefined {
  const value = obj[field];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw wrongType(docs, field, value, 'array');
  return value.map((item: unknown) => {
    if (typeof item === 'string') return item;
    if (
      typeof item === 'object' &&
      item !== null &&
      typeof (item as JsonObject)['name'] === 'string'
    ) {
      return (item as JsonObject)['name'] as string;
    }
    throw wrongType(docs, `${field}/item`, item, 'string');
  });
}

function wrongType(docs: string, field: string, value: unknown, type: string): Error {
  return invalidRequest(
    docs,
    `For '${field}', ${JSON.stringify(value)} is not ${/^[aeiou]/.test(type) ? 'an' : 'a'} ${type}.`,
  );
}

/** GitHub counts characters, not UTF-16 units or bytes. */
export function characters(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

export function checkLength(
  docs: string,
  resource: string,
  field: string,
  value: string | null | undefined,
  max: number,
): void {
  if (typeof value === 'string' && characters(value) > max) {
    throw validationFailed(docs, {
      resource,
      field,
      code: 'custom',
      message: `${field} is too long (maximum is ${max} characters)`,
    });
  }
}
