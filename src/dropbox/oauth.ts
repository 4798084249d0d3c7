import { createHash, randomBytes } from 'node:crypto';
import { Dropbox, DropboxResponseError } from 'dropbox';
import { messageOf } from '../errors.ts';
import { redirectingFetch } from './hosts.ts';

/**
 * Dropbox's OAuth code flow with PKCE, as `dropbox-to-s3 auth` walks a person through it.
 *
 * Plain `fetch` for the two OAuth calls rather than the SDK's DropboxAuth: the SDK puts the code
 * and the app secret in the token request's query string (URLs end up in logs and proxies), and
 * with a secret it leaves out the code verifier. Here both travel in the POST body or the Basic
 * authorization header, and the verifier always goes along. The SDK makes the one API call.
 */

export const AUTHORIZE_BASE_URL = 'https://www.dropbox.com';
export const API_BASE_URL = 'https://api.dropboxapi.com';

/** What every migration needs; an app may have more (team spaces use team scopes). */
export const REQUIRED_SCOPES = ['account_info.read', 'files.metadata.read', 'files.content.read'];

const REQUEST_TIMEOUT_MS = 30_000;

export interface Pkce {
  readonly verifier: string;
  readonly challenge: string;
}

/** S256 of RFC 7636: the challenge is base64url(SHA-256(verifier)), without padding. */
export function challengeOf(verifier: string): string {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}

/** A fresh verifier from 64 random bytes: 86 base64url characters (RFC 7636 allows 43 to 128). */
export function createPkce(): Pkce {
  const verifier = randomBytes(64).toString('base64url');
  return { verifier, challenge: challengeOf(verifier) };
}

export interface App {
  readonly appKey: string;
  /** Optional: without it the flow is a public-client PKCE flow. Never logged. */
  readonly appSecret?: string | undefined;
}

/** Where Dropbox's hosts are; one base URL for all of them when talking to the emulator. */
export interface Endpoints {
  readonly authorize: string;
  readonly api: string;
  readonly fetch: typeof fetch;
}

export function endpoints(baseUrl: string | undefined, inner: typeof fetch = fetch): Endpoints {
  if (baseUrl === undefined) {
    return { authorize: AUTHORIZE_BASE_URL, api: API_BASE_URL, fetch: inner };
  }
  const base = baseUrl.replace(/\/+$/, '');
  return { authorize: base, api: base, fetch: redirectingFetch(base, inner) };
}

/**
 * The page the person opens. No redirect_uri: Dropbox then shows the code for them to paste. No
 * scope: the token gets every scope the app has on its Permissions tab (checked after the exchange).
 */
export function authorizeUrl(where: Endpoints, appKey: string, pkce: Pkce): string {
  const url = new URL('/oauth2/authorize', where.authorize);
  url.search = new URLSearchParams({
    client_id: appKey,
    response_type: 'code',
    token_access_type: 'offline',
    code_challenge: pkce.challenge,
    code_challenge_method: 'S256',
  }).toString();
  return url.toString();
}

/** Why the flow stopped; each has its own advice in the CLI. */
export type AuthFailure =
  'invalid_code' | 'invalid_client' | 'network' | 'refresh_failed' | 'unexpected';

export class AuthError extends Error {
  readonly failure: AuthFailure;
  constructor(failure: AuthFailure, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AuthError';
    this.failure = failure;
  }
}

export interface Grant {
  readonly accessToken: string;
  readonly refreshToken: string;
  readonly accountId: string | undefined;
  /** The scopes Dropbox granted, when it said (scoped apps do). */
  readonly scopes: readonly string[] | undefined;
}

/** The code a person pasted, and the PKCE pair of the run that printed the authorize link. */
export interface PastedCode {
  readonly code: string;
  readonly pkce: Pkce;
}

/** Trades the pasted code (and this run's verifier) for tokens. */
export async function exchangeCode(
  where: Endpoints,
  app: App,
  { code, pkce }: PastedCode,
): Promise<Grant> {
  const reply = await tokenRequest(where, app, {
    params: { grant_type: 'authorization_code', code, code_verifier: pkce.verifier },
    what: 'exchanging the access code',
  });
  const accessToken = stringField(reply, 'access_token');
  const refreshToken = stringField(reply, 'refresh_token');
  if (accessToken === undefined) {
    throw new AuthError(
      'unexpected',
      'Dropbox answered the code exchange without an access token.',
    );
  }
  if (refreshToken === undefined) {
    throw new AuthError(
      'unexpected',
      'Dropbox gave an access token but no refresh token (the authorize page was opened ' +
        'without token_access_type=offline?). Run auth again and open the link it prints.',
    );
  }
  const scope = stringField(reply, 'scope');
  return {
    accessToken,
    refreshToken,
    accountId: stringField(reply, 'account_id'),
    scopes: scope === undefined ? undefined : scope.split(/\s+/).filter((s) => s !== ''),
  };
}

/** The scopes every migration needs that Dropbox did not grant (none when it did not say). */
export function missingScopes(grant: Grant): string[] {
  if (grant.scopes === undefined) return [];
  return REQUIRED_SCOPES.filter((scope) => !grant.scopes?.includes(scope));
}

/**
 * How the refresh token can be refreshed, found by asking Dropbox rather than assumed: first with
 * the app key alone (a token from a PKCE flow), then, if Dropbox wants more, with the secret.
 * Also proves the token works before anyone stores it.
 */
export type RefreshKind = 'app-key-alone' | 'needs-secret';

export async function checkRefresh(
  where: Endpoints,
  app: App,
  refreshToken: string,
): Promise<RefreshKind> {
  const request = {
    params: { grant_type: 'refresh_token', refresh_token: refreshToken },
    what: 'checking the refresh token',
  };
  try {
    await tokenRequest(where, { appKey: app.appKey }, request);
    return 'app-key-alone';
  } catch (error) {
    const needsSecret = error instanceof AuthError && error.failure === 'refresh_failed';
    if (!needsSecret || app.appSecret === undefined) throw error;
  }
  await tokenRequest(where, app, request);
  return 'needs-secret';
}

export interface AccountSummary {
  readonly accountId: string;
  readonly name: string;
  readonly email: string;
  readonly emailVerified: boolean;
  readonly team: string | undefined;
}

/** users/get_current_account with the new access token: whose Dropbox this token opens. */
export async function currentAccount(
  where: Endpoints,
  accessToken: string,
): Promise<AccountSummary> {
  const client = new Dropbox({ accessToken, fetch: where.fetch });
  try {
    const { result } = await client.usersGetCurrentAccount();
    return {
      accountId: result.account_id,
      name: result.name.display_name,
      email: result.email,
      emailVerified: result.email_verified,
      team: result.team?.name,
    };
  } catch (error) {
    if (error instanceof DropboxResponseError) {
      throw new AuthError(
        'unexpected',
        `Dropbox refused to describe the account of the new token (HTTP ${String(error.status)}).`,
      );
    }
    throw networkError(where, 'reading the account', error);
  }
}

type Reply = Record<string, unknown>;

/** A form for /oauth2/token, and what it is for in a person's words (for error messages). */
interface TokenRequest {
  readonly params: Readonly<Record<string, string>>;
  readonly what: string;
}

async function tokenRequest(where: Endpoints, app: App, request: TokenRequest): Promise<Reply> {
  const { params, what } = request;
  const headers: Record<string, string> = {
    'Content-Type': 'application/x-www-form-urlencoded',
    Accept: 'application/json',
  };
  const body = new URLSearchParams(params);
  if (app.appSecret === undefined) {
    body.set('client_id', app.appKey);
  } else {
    const pair = `${encodeURIComponent(app.appKey)}:${encodeURIComponent(app.appSecret)}`;
    headers.Authorization = `Basic ${Buffer.from(pair).toString('base64')}`;
  }
  let response: Response;
  try {
    response = await where.fetch(new URL('/oauth2/token', where.api), {
      method: 'POST',
      headers,
      body,
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
  } catch (error) {
    throw networkError(where, what, error);
  }
  const text = await response.text().catch(() => '');
  const reply = parseJson(text);
  if (response.ok && reply !== undefined) return reply;
  throw tokenError(response.status, reply, request);
}

/**
 * Only Dropbox's `error` tag and description are ever shown: never the request, whose body holds
 * the code and verifier and whose header holds the secret.
 */
function tokenError(status: number, reply: Reply | undefined, request: TokenRequest): AuthError {
  const { what } = request;
  const refreshing = request.params.grant_type === 'refresh_token';
  const tag = reply === undefined ? undefined : stringField(reply, 'error');
  const description = reply === undefined ? undefined : stringField(reply, 'error_description');
  const said = `${tag ?? `HTTP ${String(status)}`}${description === undefined ? '' : `: ${description}`}`;
  if (tag === 'invalid_client') {
    return new AuthError('invalid_client', `Dropbox refused the app credentials (${said}).`);
  }
  if (refreshing && (tag === 'invalid_request' || tag === 'invalid_grant')) {
    return new AuthError('refresh_failed', `Dropbox refused to refresh the new token (${said}).`);
  }
  if (!refreshing && tag === 'invalid_grant') {
    return new AuthError('invalid_code', `Dropbox refused the access code (${said}).`);
  }
  return new AuthError('unexpected', `Dropbox answered ${what} with ${said}.`);
}

function networkError(where: Endpoints, what: string, error: unknown): AuthError {
  const cause = error instanceof Error ? error.cause : undefined;
  const code =
    typeof cause === 'object' && cause !== null && 'code' in cause && typeof cause.code === 'string'
      ? cause.code
      : undefined;
  const timedOut = error instanceof Error && error.name === 'TimeoutError';
  const reason = timedOut ? 'no answer in 30 s' : (code ?? messageOf(error));
  return new AuthError(
    'network',
    `could not reach Dropbox at ${new URL(where.api).origin} while ${what} (${reason}).`,
    { cause: error },
  );
}

function parseJson(text: string): Reply | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Reply)
      : undefined;
  } catch {
    return undefined;
  }
}

function stringField(reply: Reply, name: string): string | undefined {
  const value = reply[name];
  return typeof value === 'string' ? value : undefined;
}
