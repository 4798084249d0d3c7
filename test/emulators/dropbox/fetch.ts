/** Host names the `dropbox` SDK (and our own code) send requests to. */
export const DROPBOX_HOSTS: ReadonlySet<string> = new Set([
  'api.dropboxapi.com',
  'content.dropboxapi.com',
  'notify.dropboxapi.com',
  'api.dropbox.com',
  'www.dropbox.com',
]);

/**
 * A fetch that sends requests for Dropbox's hosts to the emulator at `baseUrl` (same path and
 * query) and passes method, headers and body through untouched. Other URLs go to the real fetch.
 */
export function emulatorFetch(baseUrl: string): typeof fetch {
  const base = new URL(baseUrl);
  const prefix = `${base.origin}${base.pathname.replace(/\/+$/, '')}`;
  const redirected = (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = new URL(input instanceof Request ? input.url : input.toString());
    if (!DROPBOX_HOSTS.has(url.hostname)) return fetch(input, init);
    const target = `${prefix}${url.pathname}${url.search}`;
    if (input instanceof Request) return fetch(new Request(target, input), init);
    return fetch(target, init);
  };
  return redirected;
}
