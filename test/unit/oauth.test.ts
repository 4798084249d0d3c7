import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { authorizeUrl, challengeOf, createPkce, endpoints } from '../../src/dropbox/oauth.ts';

test('the S256 challenge is base64url(SHA-256(verifier)) without padding (RFC 7636, appendix B)', () => {
  assert.equal(
    challengeOf('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk'),
    'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
  );
});

test('each verifier is fresh, 86 unreserved characters, and its challenge matches', () => {
  const seen = new Set<string>();
  for (let i = 0; i < 20; i += 1) {
    const { verifier, challenge } = createPkce();
    assert.match(verifier, /^[A-Za-z0-9_-]{86}$/); // RFC 7636: 43 to 128 of [A-Za-z0-9-._~]
    assert.equal(challenge, createHash('sha256').update(verifier).digest('base64url'));
    assert.match(challenge, /^[A-Za-z0-9_-]{43}$/);
    seen.add(verifier);
  }
  assert.equal(seen.size, 20);
});

test('the authorize URL: www.dropbox.com, code flow, offline, S256, no redirect, no secret', () => {
  const pkce = { verifier: 'v'.repeat(43), challenge: 'c'.repeat(43) };
  const url = new URL(authorizeUrl(endpoints(undefined), 'abc123key', pkce));
  assert.equal(url.origin + url.pathname, 'https://www.dropbox.com/oauth2/authorize');
  assert.deepEqual(Object.fromEntries(url.searchParams), {
    client_id: 'abc123key',
    response_type: 'code',
    token_access_type: 'offline',
    code_challenge: pkce.challenge,
    code_challenge_method: 'S256',
  });
  assert.ok(!url.toString().includes(pkce.verifier), 'the verifier stays home');

  const local = new URL(authorizeUrl(endpoints('http://127.0.0.1:9999/'), 'k', pkce));
  assert.equal(local.origin + local.pathname, 'http://127.0.0.1:9999/oauth2/authorize');
  assert.equal(endpoints(undefined).api, 'https://api.dropboxapi.com');
});
