import type { KoaContext } from 's3rver';
import { s3Error } from './s3-error.ts';

/** Bucket and key of a path-style request (`/bucket/key…`); the harness only serves path style. */
export interface Target {
  bucket: string;
  key: string | undefined;
}

function decodePathPart(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw s3Error('InvalidURI', "Couldn't parse the specified URI.", { URI: raw });
  }
}

/** The request's bucket and key, or undefined for service-level requests (`GET /`). */
export function targetOf(ctx: KoaContext): Target | undefined {
  const path = ctx.path;
  if (!path.startsWith('/') || path.length === 1) return undefined;
  const slash = path.indexOf('/', 1);
  if (slash === -1) return { bucket: decodePathPart(path.slice(1)), key: undefined };
  const rest = path.slice(slash + 1);
  return {
    bucket: decodePathPart(path.slice(1, slash)),
    key: rest === '' ? undefined : decodePathPart(rest),
  };
}

export function hasQuery(ctx: KoaContext, name: string): boolean {
  return Object.hasOwn(ctx.query, name);
}

/** A query parameter's value (the first, if repeated), or undefined when absent. */
export function queryValue(ctx: KoaContext, name: string): string | undefined {
  const value = ctx.query[name];
  return Array.isArray(value) ? value[0] : value;
}

export function headerValue(ctx: KoaContext, name: string): string | undefined {
  const value = ctx.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Reads a small request body (XML documents) completely. */
export async function readBody(ctx: KoaContext): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of ctx.req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * A non-negative integer query parameter within [min, max], or `fallback` when absent; anything
 * else is S3's 400 InvalidArgument.
 */
export function integerQuery(
  ctx: KoaContext,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const raw = queryValue(ctx, name);
  if (raw === undefined || raw === '') return fallback;
  const value = /^-?\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw s3Error(
      'InvalidArgument',
      `Argument ${name} must be an integer between ${min} and ${max}`,
      {
        ArgumentName: name,
        ArgumentValue: raw,
      },
    );
  }
  return value;
}
