/** The hosts the Dropbox SDK talks to. */
export const DROPBOX_HOSTS = [
  'api.dropboxapi.com',
  'content.dropboxapi.com',
  'notify.dropboxapi.com',
  'api.dropbox.com',
  'www.dropbox.com',
] as const;

export const CONTENT_BASE_URL = 'https://content.dropboxapi.com';

/**
 * A `fetch` for the Dropbox SDK that sends every request meant for a Dropbox host to one other
 * server (the local emulator), keeping path, query, method, headers and body. The SDK always builds
 * https URLs on Dropbox's own hosts; this is the only change it needs.
 */
export function redirectingFetch(baseUrl: string, inner: typeof fetch = fetch): typeof fetch {
  const base = new URL(baseUrl);
  return (input, init) => {
    const original = new URL(input instanceof Request ? input.url : input.toString());
    if (!(DROPBOX_HOSTS as readonly string[]).includes(original.hostname)) {
      return inner(input, init);
    }
    const target = new URL(`${original.pathname}${original.search}`, base);
    return inner(input instanceof Request ? new Request(target, input) : target, init);
  };
}
