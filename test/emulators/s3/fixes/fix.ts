import type S3rver from 's3rver';
import type { Middleware } from 's3rver';
import type { HarnessSettings } from './settings.ts';

/** One named correction or fence applied to a stock s3rver before it starts listening. */
export interface HarnessFix {
  /** Stable name, used by S3_HARNESS_DISABLE_FIXES to prove a test catches the stock bug. */
  name: string;
  install(server: S3rver, settings: HarnessSettings): void;
}

/**
 * Adds `middleware` just before s3rver's router, after its logger, XML body encoder and URL
 * handling: a middleware can answer on its own (plain-object bodies become XML, thrown S3 errors
 * become S3's error XML) or call `next()` to leave the request to s3rver. Fixes run in the order
 * they are installed.
 */
export function useBeforeRouter(server: S3rver, middleware: Middleware): void {
  const routerIndex = server.middleware.findIndex((candidate) => candidate.name === 'dispatch');
  if (routerIndex === -1) {
    throw new Error(
      's3rver layout changed: no router middleware found; the harness fixes need review',
    );
  }
  server.middleware.splice(routerIndex, 0, middleware);
}
