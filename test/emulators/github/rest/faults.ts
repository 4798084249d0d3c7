/** Rate limits and server errors on demand, answered as GitHub answers them. */
import { RestError, REST_DOCS } from './errors.ts';
import type { RestFault } from './types.ts';

interface ArmedFault {
  readonly fault: RestFault;
  remaining: number;
}

export class Faults {
  private armed: ArmedFault[] = [];

  add(fault: RestFault): void {
    this.armed.push({ fault, remaining: fault.times ?? 1 });
  }

  clear(): void {
    this.armed = [];
  }

  /** The error this request gets, if an armed fault matches it (using up one of its times). */
  take(method: string, path: string): RestError | undefined {
    const hit = this.armed.find(
      ({ fault, remaining }) =>
        remaining > 0 &&
        (fault.method === undefined || fault.method.toUpperCase() === method) &&
        (fault.pathPrefix === undefined || path.startsWith(fault.pathPrefix)),
    );
    if (hit === undefined) return undefined;
    hit.remaining--;
    const seconds = hit.fault.retryAfterSeconds ?? 1;
    switch (hit.fault.kind) {
      case 'secondary-rate-limit':
        return new RestError(
          hit.fault.status ?? 403,
          'You have exceeded a secondary rate limit. Please wait a few minutes before you try again. ' +
            'If you reach out to GitHub Support for help, please include the request ID FAKE:0000:0000.',
          'https://docs.github.com/free-pro-team@latest/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits',
          undefined,
          { 'retry-after': String(seconds) },
        );
      case 'rate-limit':
        return new RestError(
          hit.fault.status ?? 403,
          'API rate limit exceeded for installation ID 1.',
          'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api',
          undefined,
          {
            'x-ratelimit-remaining': '0',
            'x-ratelimit-reset': String(Math.ceil(Date.now() / 1000) + seconds),
          },
        );
      case 'server-error':
        return new RestError(500, 'Server Error', REST_DOCS);
    }
  }
}
