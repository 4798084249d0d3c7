import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { authError, badRequest, oauthError } from './errors.ts';

export interface AuthOptions {
  appKey: string;
  appSecret: string;
  refreshTokens: string[];
  pkceRefreshTokens: string[];
  staticAccessTokens: string[];
  tokenTtlSeconds: number;
  /** The app's Permissions tab. Default DEFAULT_SCOPES. */
  scopes?: string[];
  accountId: string;
  uid: string;
}

interface CodeGrant {
  redirectUri: string | null;
  challenge: string | null;
  method: 'S256' | 'plain';
  offline: boolean;
  scopes: string[];
}

export interface TokenReply {
  status: number;
  body: Record<string, unknown>;
  kind: 'refresh' | 'code';
}

export interface AuthorizeReply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export const DEFAULT_SCOPES = ['account_info.read', 'files.content.read', 'files.metadata.read'];

/**
 * Dropbox's OAuth 2 as an app sees it. Choices where Dropbox's documentation is thin:
 * - A refresh with no client_secret works only for refresh tokens that came from a PKCE flow
 *   (or are configured as such); for others Dropbox answers 400 invalid_request "No auth
 *   function available for given request", and so does this.
 * - Bad client credentials are 400 invalid_client (Dropbox answers 400, not RFC 6749's 401).
 * - A refresh answers {access_token, token_type, expires_in} only, as Dropbox does; the code
 *   exchange adds scope, uid, account_id and (offline) refresh_token.
 * - The app's Permissions tab is the most a token gets and, without a `scope` parameter on the
 *   authorize page, what it gets; a `scope` asking for more than the tab is refused on the page
 *   (Dropbox's wording of that page is not documented).
 */
export class Auth {
  private readonly options: AuthOptions;
  private readonly accessTokens = new Map<string, number>();
  private readonly refreshTokens = new Map<string, { pkce: boolean }>();
  private readonly codes = new Map<string, CodeGrant>();

  constructor(options: AuthOptions) {
    this.options = options;
    for (const t of options.refreshTokens) this.refreshTokens.set(t, { pkce: false });
    for (const t of options.pkceRefreshTokens) this.refreshTokens.set(t, { pkce: true });
    for (const t of options.staticAccessTokens) this.accessTokens.set(t, Number.POSITIVE_INFINITY);
  }

  /** A fresh access token, as a refresh would give. */
  issueAccessToken(ttlSeconds = this.options.tokenTtlSeconds): string {
    const token = `sl.${randomBytes(48).toString('base64url')}`;
    this.accessTokens.set(token, Date.now() + ttlSeconds * 1000);
    return token;
  }

  /** Every issued access token expires now (static ones too). */
  expireAccessTokens(): void {
    for (const token of this.accessTokens.keys()) this.accessTokens.set(token, 0);
  }

  /** Checks the Authorization header or the `authorization` URL parameter of an API call. */
  authenticate(route: string, header: string | undefined, urlParam: string | null): void {
    const value = header ?? urlParam;
    if (value === null || value === '') {
      throw badRequest(
        route,
        'Must provide HTTP header "Authorization" or URL parameter "authorization".',
      );
    }
    const match = /^Bearer (\S+)$/i.exec(value.trim());
    if (match?.[1] === undefined) {
      throw badRequest(
        route,
        'Invalid authorization value in HTTP header "Authorization". Expecting "Bearer <oauth2-access-token>".',
      );
    }
    const expiresAt = this.accessTokens.get(match[1]);
    if (expiresAt === undefined) throw authError('invalid_access_token');
    if (expiresAt <= Date.now()) throw authError('expired_access_token');
  }

  /** POST /oauth2/token. */
  token(params: URLSearchParams, basic: { id: string; secret: string } | null): TokenReply {
    const grantType = params.get('grant_type');
    if (grantType === null) throw oauthError('invalid_request', 'No grant_type provided.');
    const clientId = basic?.id ?? params.get('client_id');
    const clientSecret = basic?.secret ?? params.get('client_secret');
    if (clientId === null) throw oauthError('invalid_request', 'No client_id provided.');
    if (!same(clientId, this.options.appKey)) {
      throw oauthError('invalid_client', 'Invalid client_id or client_secret');
    }
    if (clientSecret !== null && !same(clientSecret, this.options.appSecret)) {
      throw oauthError('invalid_client', 'Invalid client_id or client_secret');
    }
    if (grantType === 'refresh_token') return this.refresh(params, clientSecret !== null);
    if (grantType === 'authorization_code') return this.exchange(params, clientSecret !== null);
    throw oauthError('unsupported_grant_type', `Unsupported grant_type: "${grantType}"`);
  }

  private refresh(params: URLSearchParams, hasSecret: boolean): TokenReply {
    const token = params.get('refresh_token');
    if (token === null) throw oauthError('invalid_request', 'No refresh_token provided.');
    const grant = this.refreshTokens.get(token);
    if (grant !== undefined && !grant.pkce && !hasSecret) {
      throw oauthError('invalid_request', 'No auth function available for given request');
    }
    if (grant === undefined) {
      throw oauthError('invalid_grant', 'refresh token is invalid or revoked');
    }
    const ttl = this.options.tokenTtlSeconds;
    const body = {
      access_token: this.issueAccessToken(ttl),
      token_type: 'bearer',
      expires_in: ttl,
    };
    return { status: 200, body, kind: 'refresh' };
  }

  private exchange(params: URLSearchParams, hasSecret: boolean): TokenReply {
    const code = params.get('code');
    if (code === null) throw oauthError('invalid_request', 'No code provided.');
    const grant = this.codes.get(code);
    if (grant === undefined) throw oauthError('invalid_grant', "code doesn't exist or has expired");
    const verifier = params.get('code_verifier');
    if (grant.challenge !== null) {
      if (verifier === null && !hasSecret) {
        throw oauthError('invalid_request', 'No auth function available for given request');
      }
      if (verifier !== null && !verifierMatches(verifier, grant.challenge, grant.method)) {
        throw oauthError('invalid_grant', 'invalid code verifier');
      }
    } else if (!hasSecret) {
      throw oauthError('invalid_request', 'No auth function available for given request');
    }
    if (grant.redirectUri !== null && params.get('redirect_uri') !== grant.redirectUri) {
      throw oauthError('invalid_grant', 'redirect_uri mismatch');
    }
    this.codes.delete(code);
    const ttl = this.options.tokenTtlSeconds;
    const body: Record<string, unknown> = {
      access_token: this.issueAccessToken(ttl),
      token_type: 'bearer',
      expires_in: ttl,
      scope: grant.scopes.join(' '),
      uid: this.options.uid,
      account_id: this.options.accountId,
    };
    if (grant.offline) {
      const refreshToken = randomBytes(32).toString('base64url');
      this.refreshTokens.set(refreshToken, { pkce: grant.challenge !== null });
      body.refresh_token = refreshToken;
    }
    return { status: 200, body, kind: 'code' };
  }

  /** GET /oauth2/authorize: the user approves at once. */
  authorize(query: URLSearchParams): AuthorizeReply {
    const clientId = query.get('client_id');
    if (clientId === null || !same(clientId, this.options.appKey)) {
      return page(400, 'Error (400)', `Invalid client_id.`);
    }
    if (query.get('response_type') !== 'code') {
      return page(400, 'Error (400)', 'This emulator supports response_type=code only.');
    }
    const challenge = query.get('code_challenge');
    const method = query.get('code_challenge_method') ?? 'plain';
    if (challenge !== null && method !== 'S256' && method !== 'plain') {
      return page(400, 'Error (400)', 'Invalid code_challenge_method.');
    }
    const appScopes = this.options.scopes ?? DEFAULT_SCOPES;
    const asked = (query.get('scope') ?? '').split(' ').filter((s) => s !== '');
    const beyond = asked.filter((scope) => !appScopes.includes(scope));
    if (beyond.length > 0) {
      return page(
        400,
        'Error (400)',
        `Invalid scope: ${escapeHtml(beyond.join(' '))} is not enabled on the app's Permissions tab.`,
      );
    }
    const redirectUri = query.get('redirect_uri');
    const code = randomBytes(32).toString('base64url');
    this.codes.set(code, {
      redirectUri,
      challenge,
      method: method === 'S256' ? 'S256' : 'plain',
      offline: query.get('token_access_type') === 'offline',
      scopes: asked.length > 0 ? [...new Set(asked)] : [...appScopes],
    });
    if (redirectUri === null) {
      return page(
        200,
        'Access code',
        `Enter this code into your app: <code id="code">${code}</code>`,
      );
    }
    const target = new URL(redirectUri);
    target.searchParams.set('code', code);
    const state = query.get('state');
    if (state !== null) target.searchParams.set('state', state);
    return { status: 302, headers: { Location: target.toString() }, body: '' };
  }
}

function verifierMatches(verifier: string, challenge: string, method: 'S256' | 'plain'): boolean {
  const expected =
    method === 'S256' ? createHash('sha256').update(verifier).digest('base64url') : verifier;
  return same(expected, challenge);
}

function same(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

function page(status: number, title: string, html: string): AuthorizeReply {
  return {
    status,
    headers: { 'Content-Type': 'text/html; charset=utf-8' },
    body: `<!doctype html><title>${title}</title><h1>${title}</h1><p>${html}</p>`,
  };
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${String(c.charCodeAt(0))};`);
}
