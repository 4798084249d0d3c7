/** A small route table: GitHub's path templates, the permission each needs, and its handler. */
import type { Permission, Scope } from './types.ts';

export interface Caller {
  /** The token's name in the log (never the token). */
  readonly tokenName: string;
  readonly login: string;
}

export interface RouteRequest {
  readonly params: Readonly<Record<string, string>>;
  readonly url: URL;
  readonly body: unknown;
  readonly caller: Caller;
}

export interface RouteResponse {
  readonly status: number;
  readonly json?: unknown;
  readonly bytes?: { readonly data: Buffer; readonly contentType: string };
  readonly headers?: Readonly<Record<string, string>>;
}

export interface Route {
  readonly method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  /** e.g. `/repos/{owner}/{repo}/issues/{issue_number}`. */
  readonly path: string;
  /** The permission the token needs; none for repository metadata. */
  readonly needs?: { readonly scope: Scope; readonly level: Exclude<Permission, 'none'> };
  /** GitHub's documentation URL for this endpoint, sent back in error bodies. */
  readonly docs: string;
  handle(request: RouteRequest): RouteResponse;
}

export interface CompiledRoute {
  readonly route: Route;
  readonly regex: RegExp;
  readonly names: readonly string[];
}

export function compile(route: Route): CompiledRoute {
  const names: string[] = [];
  const source = route.path
    .split('/')
    .map((part) => {
      const m = /^\{(\w+)\}$/.exec(part);
      if (m === null) return part.replace(/[.*+?^$()|[\]\\]/g, '\\$&');
      names.push(m[1] as string);
      return '([^/]+)';
    })
    .join('/');
  return { route, regex: new RegExp(`^${source}$`), names };
}

export interface Match {
  readonly route: Route;
  readonly params: Record<string, string>;
}

/** The first route for this method whose template matches the path. */
export function match(
  routes: readonly CompiledRoute[],
  method: string,
  path: string,
): Match | undefined {
  for (const { route, regex, names } of routes) {
    if (route.method !== method) continue;
    const m = regex.exec(path);
    if (m === null) continue;
    const params: Record<string, string> = {};
    names.forEach((name, i) => {
      params[name] = decodeURIComponent(m[i + 1] as string);
    });
    return { route, params };
  }
  return undefined;
}

export function docsUrl(anchor: string): string {
  return `https://docs.github.com/rest/${anchor}`;
}
