import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { mkdir } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Account } from './account.ts';
import { checkArgs, ROUTE_SPECS, type Args } from './args.ts';
import { Auth } from './auth.ts';
import {
  corrupted,
  fileBody,
  hashBody,
  parseRange,
  streamBody,
  type BodySource,
} from './content.ts';
import {
  ApiError,
  badRequest,
  endpointError,
  headerSafeJson,
  internalError,
  tooManyRequests,
} from './errors.ts';
import { DEFAULT_FAULTS, FaultInjector } from './faults.ts';
import { DEFAULT_EXPORT_FORMATS, exportedName, MetadataBuilder } from './metadata.ts';
import { PathRoots } from './path-root.ts';
import { Tree } from './tree.ts';
import type {
  AccountInfo,
  DropboxEmulatorOptions,
  EmulatorStats,
  Faults,
  Node,
  View,
} from './types.ts';

export interface DropboxEmulator {
  /** Base URL, e.g. http://127.0.0.1:PORT (no trailing slash). */
  url: string;
  port: number;
  appKey: string;
  appSecret: string;
  refreshTokens: string[];
  pkceRefreshTokens: string[];
  account: AccountInfo;
  close(): Promise<void>;
  stats(): EmulatorStats;
  resetStats(): void;
  faults(): Faults;
  setFaults(partial: Partial<Faults>): void;
  /** Every cursor handed out so far answers 409 reset from now on. */
  invalidateCursors(): void;
  /** Every access token handed out so far answers 401 expired_access_token from now on. */
  expireAccessTokens(): void;
  /** A valid access token without going through OAuth. */
  issueAccessToken(ttlSeconds?: number): string;
  /** Scans the folder now (listings do it themselves; this is for setup and benchmarks). */
  rescan(): Promise<void>;
}

const RPC_ROUTES = new Set([
  'files/list_folder',
  'files/list_folder/continue',
  'files/list_folder/get_latest_cursor',
  'files/get_metadata',
  'users/get_current_account',
]);
const CONTENT_ROUTES = new Set(['files/download', 'files/export']);
const JSON_CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'text/plain; charset=dropbox-cors-hack',
];
const MAX_RPC_BODY = 1024 * 1024;

export const DEFAULT_ACCOUNT: AccountInfo = {
  accountId: 'dbid:AAH4f99T0taONIb-OurWxbNQ6ywGRopQngc',
  email: 'emulated.user@example.com',
  givenName: 'Emulated',
  surname: 'User',
  country: 'US',
  locale: 'en',
  accountType: 'pro',
  rootNamespaceId: '3235641',
  homeNamespaceId: '3235641',
};

/** A team member's defaults: the team root is a namespace of its own, above the home. */
const TEAM_ACCOUNT: Partial<AccountInfo> = {
  accountType: 'business',
  rootNamespaceId: '7481925360',
};

function emptyStats(): EmulatorStats {
  return {
    requests: {},
    totalRequests: 0,
    rateLimited: 0,
    serverErrors: 0,
    unauthorized: 0,
    cuts: 0,
    bytesServed: 0,
    tokenRefreshes: 0,
    codeExchanges: 0,
    scans: 0,
    filesHashed: 0,
  };
}

/** Starts the emulator on 127.0.0.1 and scans the folder once before answering. */
export async function startDropboxEmulator(
  options: DropboxEmulatorOptions,
): Promise<DropboxEmulator> {
  const appKey = options.appKey ?? 'test-app-key';
  const appSecret = options.appSecret ?? 'test-app-secret';
  const refreshTokens = options.refreshTokens ?? ['test-refresh-token'];
  const pkceRefreshTokens = options.pkceRefreshTokens ?? ['test-pkce-refresh-token'];
  const teamHome = options.teamHome;
  if (teamHome !== undefined) {
    if (teamHome === '' || /[/\\]/.test(teamHome)) {
      throw new Error(`teamHome must be one folder name, not "${teamHome}"`);
    }
    await mkdir(join(options.root, teamHome), { recursive: true });
  }
  const info: AccountInfo = {
    ...DEFAULT_ACCOUNT,
    ...(teamHome === undefined ? {} : TEAM_ACCOUNT),
    ...options.account,
  };
  const roots = new PathRoots(info, teamHome);
  const warn = options.warn ?? ((m: string) => process.stderr.write(`dropbox emulator: ${m}\n`));
  let stats = emptyStats();
  const faults = new FaultInjector(options.faults ?? {});
  const auth = new Auth({
    appKey,
    appSecret,
    refreshTokens,
    pkceRefreshTokens,
    staticAccessTokens: options.staticAccessTokens ?? [],
    tokenTtlSeconds: options.tokenTtlSeconds ?? 14400,
    ...(options.appScopes === undefined ? {} : { scopes: options.appScopes }),
    accountId: info.accountId,
    uid: info.homeNamespaceId,
  });
  const metadata = new MetadataBuilder(
    options.displayCase ?? 'exact',
    options.exportFormats ?? DEFAULT_EXPORT_FORMATS,
  );
  const tree = new Tree(options.root, warn, () => {
    stats.filesHashed += 1;
  });
  const account = new Account({
    tree,
    metadata,
    info,
    roots,
    defaultLimit: options.defaultListLimit ?? 500,
    recursiveMax: () => faults.current.recursiveListMaxEntries,
    onScan: () => {
      stats.scans += 1;
    },
  });
  await account.rescan();

  const context: Context = {
    auth,
    account,
    roots,
    metadata,
    faults,
    stats: () => stats,
    resetStats: () => {
      stats = emptyStats();
    },
    log: options.logRequests === true,
  };
  const server = createServer((req, res) => {
    void handle(context, req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port, address } = server.address() as AddressInfo;
  return {
    url: `http://${address.includes(':') ? `[${address}]` : address}:${port}`,
    port,
    appKey,
    appSecret,
    refreshTokens,
    pkceRefreshTokens,
    account: info,
    close: () => closeServer(server),
    stats: () => structuredClone(stats),
    resetStats: context.resetStats,
    faults: () => faults.current,
    setFaults: (partial) => {
      faults.set(partial);
    },
    invalidateCursors: () => {
      account.cursors.invalidate();
    },
    expireAccessTokens: () => {
      auth.expireAccessTokens();
    },
    issueAccessToken: (ttl) => auth.issueAccessToken(ttl),
    rescan: async () => {
      await account.rescan();
    },
  };
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => {
      if (error) reject(error);
      else resolve();
    });
    server.closeAllConnections();
  });
}

interface Context {
  auth: Auth;
  account: Account;
  roots: PathRoots;
  metadata: MetadataBuilder;
  faults: FaultInjector;
  stats: () => EmulatorStats;
  resetStats: () => void;
  log: boolean;
}

async function handle(ctx: Context, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://emulator.invalid');
  const path = url.pathname;
  const control = path.startsWith('/__');
  if (!control) {
    const stats = ctx.stats();
    const route = path.startsWith('/2/') ? path.slice(3) : path.slice(1);
    stats.requests[route] = (stats.requests[route] ?? 0) + 1;
    stats.totalRequests += 1;
    const latency = ctx.faults.current.latencyMs;
    if (latency > 0) await new Promise((resolve) => setTimeout(resolve, latency));
  }
  if (ctx.log) {
    res.on('finish', () => {
      // Only method, path and status: tokens travel in query strings and headers.
      process.stdout.write(`${req.method ?? '?'} ${path} ${res.statusCode}\n`);
    });
  }
  try {
    if (control) await handleControl(ctx, req, res, path);
    else if (path === '/oauth2/token') await handleToken(ctx, req, res, url);
    else if (path === '/oauth2/authorize') handleAuthorize(ctx, res, url);
    else if (path.startsWith('/2/')) await handleApi(ctx, req, res, url, path.slice(3));
    else send(ctx, res, new ApiError(404, 'text/plain; charset=utf-8', 'Not Found'));
  } catch (error) {
    if (error instanceof ApiError) {
      send(ctx, res, error);
      return;
    }
    process.stderr.write(`dropbox emulator: internal error on ${path}: ${String(error)}\n`);
    send(ctx, res, internalError());
  }
}

function send(ctx: Context, res: ServerResponse, reply: ApiError): void {
  const stats = ctx.stats();
  if (reply.status === 429) stats.rateLimited += 1;
  if (reply.status === 500) stats.serverErrors += 1;
  if (reply.status === 401) stats.unauthorized += 1;
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(reply.status, {
    'Content-Type': reply.contentType,
    'Content-Length': Buffer.byteLength(reply.body),
    ...reply.headers,
  });
  res.end(reply.body);
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(body),
  });
  res.end(body);
}

async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > limit) throw new ApiError(413, 'text/plain; charset=utf-8', 'Request too large');
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

async function handleControl(
  ctx: Context,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
): Promise<void> {
  if (path === '/__stats' && req.method === 'GET') {
    sendJson(res, 200, ctx.stats());
    return;
  }
  if (path === '/__faults' && req.method === 'GET') {
    sendJson(res, 200, ctx.faults.current);
    return;
  }
  if (req.method !== 'POST') throw new ApiError(405, 'text/plain; charset=utf-8', 'Use POST');
  const body = (await readBody(req, MAX_RPC_BODY)).toString('utf8');
  if (path === '/__faults') {
    ctx.faults.set(parseFaults(body));
    sendJson(res, 200, ctx.faults.current);
    return;
  }
  if (path === '/__reset-stats') ctx.resetStats();
  else if (path === '/__invalidate-cursors') ctx.account.cursors.invalidate();
  else if (path === '/__expire-tokens') ctx.auth.expireAccessTokens();
  else if (path === '/__rescan') await ctx.account.rescan();
  else throw new ApiError(404, 'text/plain; charset=utf-8', 'Not Found');
  sendJson(res, 200, {});
}

function parseFaults(body: string): Partial<Faults> {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    throw new ApiError(400, 'text/plain; charset=utf-8', 'faults: body is not JSON');
  }
  if (typeof value !== 'object' || value === null) {
    throw new ApiError(400, 'text/plain; charset=utf-8', 'faults: expected an object');
  }
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    if (!(key in DEFAULT_FAULTS)) {
      throw new ApiError(400, 'text/plain; charset=utf-8', `faults: unknown knob "${key}"`);
    }
    if (key === 'corruptExports' || key === 'exportsNotReady') {
      if (typeof v !== 'boolean') {
        throw new ApiError(
          400,
          'text/plain; charset=utf-8',
          `faults: "${key}" must be true or false`,
        );
      }
      out[key] = v;
      continue;
    }
    const nullable = key === 'cutAfterBytes' || key === 'recursiveListMaxEntries';
    if (!(typeof v === 'number' && Number.isFinite(v) && v >= 0) && !(nullable && v === null)) {
      throw new ApiError(
        400,
        'text/plain; charset=utf-8',
        `faults: "${key}" must be a number >= 0`,
      );
    }
    out[key] = v;
  }
  return out;
}

async function handleToken(
  ctx: Context,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  if (req.method !== 'POST') throw new ApiError(405, 'text/plain; charset=utf-8', 'Use POST');
  const params = new URLSearchParams(url.search);
  const body = await readBody(req, MAX_RPC_BODY);
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (type === 'application/x-www-form-urlencoded' && body.length > 0) {
    for (const [k, v] of new URLSearchParams(body.toString('utf8'))) params.set(k, v);
  }
  const reply = ctx.auth.token(params, basicAuth(req.headers.authorization));
  if (reply.kind === 'refresh') ctx.stats().tokenRefreshes += 1;
  else ctx.stats().codeExchanges += 1;
  sendJson(res, reply.status, reply.body);
}

function basicAuth(header: string | undefined): { id: string; secret: string } | null {
  const match = /^Basic\s+(\S+)$/i.exec(header ?? '');
  if (match?.[1] === undefined) return null;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return null;
  return { id: decoded.slice(0, colon), secret: decoded.slice(colon + 1) };
}

function handleAuthorize(ctx: Context, res: ServerResponse, url: URL): void {
  const reply = ctx.auth.authorize(url.searchParams);
  res.writeHead(reply.status, {
    ...reply.headers,
    'Content-Length': Buffer.byteLength(reply.body),
  });
  res.end(reply.body);
}

async function handleApi(
  ctx: Context,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  route: string,
): Promise<void> {
  const isRpc = RPC_ROUTES.has(route);
  if (!isRpc && !CONTENT_ROUTES.has(route)) {
    throw new ApiError(404, 'text/plain; charset=utf-8', `Unknown API function: "${route}"`);
  }
  ctx.auth.authenticate(route, req.headers.authorization, url.searchParams.get('authorization'));
  const wait = ctx.faults.takeRateToken();
  if (wait !== null) throw tooManyRequests(wait);
  if (ctx.faults.random429()) throw tooManyRequests(ctx.faults.current.retryAfterSeconds);
  if (ctx.faults.random500()) throw internalError();
  const view = ctx.roots.viewFor(route, req.headers['dropbox-api-path-root']);
  if (isRpc) {
    const result = await handleRpc(ctx, req, route, view);
    sendJson(res, 200, result);
    return;
  }
  const args = contentArgs(req, url, route);
  if (route === 'files/download') await download(ctx, req, res, args, view);
  else await exportFile(ctx, req, res, args, view);
}

async function handleRpc(
  ctx: Context,
  req: IncomingMessage,
  route: string,
  view: View,
): Promise<unknown> {
  if (req.method !== 'POST') {
    throw badRequest(route, `Expected POST, got ${req.method ?? 'nothing'}.`);
  }
  const body = await readBody(req, MAX_RPC_BODY);
  const contentType = req.headers['content-type'];
  if (route === 'users/get_current_account') {
    const text = body.toString('utf8').trim();
    if (text !== '' && text !== 'null') {
      throw badRequest(route, 'request body: expected null, got a value');
    }
    return ctx.account.currentAccount();
  }
  if (contentType === undefined || !JSON_CONTENT_TYPES.includes(contentType.toLowerCase())) {
    throw badRequest(
      route,
      `Bad HTTP "Content-Type" header: "${contentType ?? ''}".  Expecting one of ${JSON_CONTENT_TYPES.map((t) => `"${t}"`).join(', ')}.`,
    );
  }
  const args = decodeArgs(route, 'request body', body.toString('utf8'));
  switch (route) {
    case 'files/list_folder':
      return ctx.account.listFolder(route, args, view);
    case 'files/list_folder/continue':
      return ctx.account.continueListing(route, args.cursor as string, view);
    case 'files/list_folder/get_latest_cursor':
      return ctx.account.latestCursor(route, args, view);
    default:
      return ctx.account.getMetadata(route, args, view);
  }
}

function decodeArgs(route: string, where: string, text: string): Args {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw badRequest(route, `${where}: could not decode input as JSON`);
  }
  const spec = ROUTE_SPECS[route];
  if (spec === undefined) throw internalError();
  return checkArgs(route, where, value, spec);
}

/** Download-style arguments: the Dropbox-API-Arg header (ASCII only) or the `arg` URL parameter. */
function contentArgs(req: IncomingMessage, url: URL, route: string): Args {
  const header = req.headers['dropbox-api-arg'];
  if (typeof header === 'string') {
    const where = 'HTTP header "Dropbox-API-Arg"';
    // Raw non-ASCII bytes in a header reach us as Latin-1; Dropbox rejects them the same way.
    if (/[^\x20-\x7e]/.test(header))
      throw badRequest(route, `${where}: could not decode input as JSON`);
    return decodeArgs(route, where, header);
  }
  const param = url.searchParams.get('arg');
  if (param !== null) return decodeArgs(route, 'URL parameter "arg"', param);
  throw badRequest(route, 'Must provide HTTP header "Dropbox-API-Arg" or URL parameter "arg".');
}

async function download(
  ctx: Context,
  req: IncomingMessage,
  res: ServerResponse,
  args: Args,
  view: View,
): Promise<void> {
  const node = await ctx.account.fileFor(
    'files/download',
    args.path as string,
    args.rev as string | undefined,
    view,
  );
  if (ctx.metadata.exportInfo(node.name) !== null) {
    throw endpointError({ '.tag': 'unsupported_file' });
  }
  await serveBody(ctx, req, res, fileBody(node.diskPath, node.size), ctx.metadata.of(node));
}

async function exportFile(
  ctx: Context,
  req: IncomingMessage,
  res: ServerResponse,
  args: Args,
  view: View,
): Promise<void> {
  const node = await ctx.account.fileFor('files/export', args.path as string, undefined, view);
  const info = ctx.metadata.exportInfo(node.name);
  if (info === null) throw endpointError({ '.tag': 'non_exportable' });
  const format = (args.export_format as string | undefined) ?? info.exportAs;
  if (!info.exportOptions.includes(format))
    throw endpointError({ '.tag': 'invalid_export_format' });
  if (ctx.faults.current.exportsNotReady) throw endpointError({ '.tag': 'retry_error' });
  const { body, hash } = await exportBody(node, format);
  const exportMetadata: Record<string, unknown> = {
    name: exportedName(node.name, format),
    size: body.length,
    export_hash: hash,
  };
  if (node.name.toLowerCase().endsWith('.paper')) {
    exportMetadata.paper_revision = Number.parseInt(node.rev.slice(-6), 16);
  }
  const result = { export_metadata: exportMetadata, file_metadata: ctx.metadata.of(node) };
  const sent = ctx.faults.current.corruptExports ? corrupted(body) : body;
  await serveBody(ctx, req, res, sent, result);
}

/**
 * An export is a rendering of the document, not its stored bytes: the file's bytes after a
 * one-line header naming the format. So, as with Dropbox, the listed size and content_hash do not
 * describe any export; only `export_metadata` (size, export_hash) does.
 */
async function exportBody(node: Node, format: string): Promise<{ body: BodySource; hash: string }> {
  const body = fileBody(node.diskPath, node.size, Buffer.from(`[exported as ${format}]\n`));
  return { body, hash: await hashBody(body) };
}

async function serveBody(
  ctx: Context,
  req: IncomingMessage,
  res: ServerResponse,
  body: BodySource,
  result: unknown,
): Promise<void> {
  const range = parseRange(req.headers.range, body.length);
  const span = range ?? { start: 0, end: body.length - 1 };
  const length = span.end - span.start + 1;
  const headers: Record<string, string | number> = {
    'Content-Type': 'application/octet-stream',
    'Content-Length': length,
    'Dropbox-API-Result': headerSafeJson(result),
  };
  if (range !== null) headers['Content-Range'] = `bytes ${span.start}-${span.end}/${body.length}`;
  res.writeHead(range === null ? 200 : 206, headers);
  await streamBody(res, body, span, ctx.faults.cutPoint(length), {
    bytes: (n) => {
      ctx.stats().bytesServed += n;
    },
    cut: () => {
      ctx.stats().cuts += 1;
    },
    pace: async (n) => {
      const rate = ctx.faults.current.bytesPerSecond;
      if (rate > 0) await new Promise((resolve) => setTimeout(resolve, (n / rate) * 1000));
    },
  });
}
