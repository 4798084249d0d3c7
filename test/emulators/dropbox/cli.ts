/**
 * The emulator as a program:
 *   npm run emulator -- --root DIR [--port N] [--app-key K --app-secret S --refresh-token T
 *     --pkce-refresh-token T --token-ttl SECONDS --app-scopes "SCOPE SCOPE…" --display-case exact|lower-parents
 *     --rate-limit RPS --random-429 P --random-500 P --cut-probability P --cut-after-bytes N
 *     --latency-ms MS --bytes-per-second N --recursive-max N --seed N --team-home NAME --log-requests]
 * Faults can be changed while it runs: POST /__faults with JSON; counters at GET /__stats.
 */
import { parseArgs } from 'node:util';
import { startDropboxEmulator } from './server.ts';
import type { Faults } from './types.ts';

const DEFAULT_SECRET = 'test-app-secret';
const DEFAULT_REFRESH = 'test-refresh-token';
const DEFAULT_PKCE_REFRESH = 'test-pkce-refresh-token';

const { values } = parseArgs({
  options: {
    root: { type: 'string' },
    port: { type: 'string', default: '0' },
    host: { type: 'string', default: '127.0.0.1' },
    'app-key': { type: 'string', default: 'test-app-key' },
    'app-secret': { type: 'string', default: DEFAULT_SECRET },
    'refresh-token': { type: 'string', multiple: true },
    'pkce-refresh-token': { type: 'string', multiple: true },
    'access-token': { type: 'string', multiple: true },
    'token-ttl': { type: 'string', default: '14400' },
    'app-scopes': { type: 'string' },
    'display-case': { type: 'string', default: 'exact' },
    'rate-limit': { type: 'string' },
    'random-429': { type: 'string' },
    'random-500': { type: 'string' },
    'cut-probability': { type: 'string' },
    'cut-after-bytes': { type: 'string' },
    'latency-ms': { type: 'string' },
    'bytes-per-second': { type: 'string' },
    'recursive-max': { type: 'string' },
    seed: { type: 'string' },
    'team-home': { type: 'string' },
    'log-requests': { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
  strict: true,
});

function fail(message: string): never {
  process.stderr.write(`${message}\nUsage: npm run emulator -- --root DIR [--port N] [options]\n`);
  process.exit(2);
}

function number(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) fail(`--${name} must be a number >= 0, got "${raw}"`);
  return n;
}

if (values.help) fail('Serves a folder as a Dropbox account.');
if (values.root === undefined) fail('--root DIR is required');
const displayCase = values['display-case'];
if (displayCase !== 'exact' && displayCase !== 'lower-parents') {
  fail('--display-case must be "exact" or "lower-parents"');
}

const faults: Partial<Faults> = {};
const knobs: [string, Exclude<keyof Faults, 'corruptExports' | 'exportsNotReady'>][] = [
  ['rate-limit', 'rateLimitPerSecond'],
  ['random-429', 'random429Rate'],
  ['random-500', 'random500Rate'],
  ['cut-probability', 'cutProbability'],
  ['cut-after-bytes', 'cutAfterBytes'],
  ['latency-ms', 'latencyMs'],
  ['bytes-per-second', 'bytesPerSecond'],
  ['recursive-max', 'recursiveListMaxEntries'],
  ['seed', 'seed'],
];
for (const [flag, knob] of knobs) {
  const value = number(flag, values[flag as 'seed']);
  if (value !== undefined) faults[knob] = value;
}

const refreshTokens = values['refresh-token'] ?? [DEFAULT_REFRESH];
const pkceRefreshTokens = values['pkce-refresh-token'] ?? [DEFAULT_PKCE_REFRESH];
const emulator = await startDropboxEmulator({
  root: values.root,
  port: number('port', values.port) ?? 0,
  host: values.host,
  appKey: values['app-key'],
  appSecret: values['app-secret'],
  refreshTokens,
  pkceRefreshTokens,
  staticAccessTokens: values['access-token'] ?? [],
  tokenTtlSeconds: number('token-ttl', values['token-ttl']) ?? 14400,
  ...(values['app-scopes'] === undefined
    ? {}
    : { appScopes: values['app-scopes'].split(/[\s,]+/).filter((s) => s !== '') }),
  displayCase: displayCase,
  ...(values['team-home'] === undefined ? {} : { teamHome: values['team-home'] }),
  faults,
  logRequests: values['log-requests'],
});

/** Test defaults are shown so a person can copy them; values given on the command line are not. */
function shown(value: string, fallback: string): string {
  return value === fallback ? value : '(as given on the command line)';
}

process.stdout.write(
  [
    `Dropbox emulator listening on ${emulator.url}`,
    `  serving: ${values.root}`,
    ...(values['team-home'] === undefined
      ? []
      : [
          `  team space: root namespace ${emulator.account.rootNamespaceId}, home /${values['team-home']}`,
        ]),
    `  app key: ${emulator.appKey}`,
    `  app secret: ${shown(emulator.appSecret, DEFAULT_SECRET)}`,
    `  refresh tokens (need the secret): ${refreshTokens.map((t) => shown(t, DEFAULT_REFRESH)).join(', ')}`,
    `  refresh tokens (PKCE, no secret): ${pkceRefreshTokens.map((t) => shown(t, DEFAULT_PKCE_REFRESH)).join(', ')}`,
    `  token endpoint: ${emulator.url}/oauth2/token   counters: ${emulator.url}/__stats   faults: POST ${emulator.url}/__faults`,
    '',
  ].join('\n'),
);

let stopping = false;
async function stop(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  process.stdout.write(`Dropbox emulator stopping (${signal})\n`);
  await emulator.close();
  process.exit(0);
}
process.on('SIGINT', () => void stop('SIGINT'));
process.on('SIGTERM', () => void stop('SIGTERM'));
