/**
 * The GitHub REST fake: the endpoints the product calls through Octokit, on 127.0.0.1, answering
 * with GitHub's paths, status codes, JSON shapes, pagination and errors.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ActionsEndpoints, BLOB_PATH } from './actions.ts';
import {
  badCredentials,
  badJson,
  notAccessible,
  notFound,
  RestError,
  requiresAuthentication,
} from './errors.ts';
import { Faults } from './faults.ts';
import { IssueTracker } from './issues.ts';
import {
  compile,
  docsUrl,
  match,
  type Caller,
  type CompiledRoute,
  type Route,
  type RouteResponse,
} from './routes.ts';
import { ACTIONS_BOT, repoHtml, type Site } from './site.ts';
import {
  DEFAULT_PERMISSIONS,
  type DispatchRecord,
  type GitHubRestOptions,
  type IssueView,
  type LabelView,
  type LoggedRequest,
  type NewIssue,
  type Permission,
  type Permissions,
  type RestFault,
  type WorkflowView,
} from './types.ts';

export interface GitHubRest {
  /** Octokit's `baseUrl`, e.g. `http://127.0.0.1:PORT` (no trailing slash). */
  readonly url: string;
  readonly owner: string;
  readonly repo: string;
  close(): Promise<void>;
  /** Every request so far, oldest first (tokens appear by name only). */
  requests(): LoggedRequest[];
  clearRequests(): void;
  issues(): IssueView[];
  labels(): LabelView[];
  /** Adds an issue directly, as if the GITHUB_TOKEN had created it; returns its number. */
  seedIssue(issue: NewIssue): number;
  dispatches(): DispatchRecord[];
  workflows(): WorkflowView[];
  setWorkflowState(idOrFile: number | string, state: WorkflowView['state']): void;
  /** Replaces the configured token's permissions (scopes left out are `none`). */
  setPermissions(permissions: Permissions): void;
  /** Accepts another token, logged under `name`. */
  addToken(name: string, token: string, permissions: Permissions, login?: string): void;
  addFault(fault: RestFault): void;
  clearFaults(): void;
}

interface TokenGrant {
  readonly name: string;
  permissions: Permissions;
  readonly login: string;
}

const MAX_BODY_BYTES = 25 * 1024 * 1024;
const RATE_LIMIT = 5000;
const LEVELS: Readonly<Record<Permission, number>> = { none: 0, read: 1, write: 2 };

export async function startGitHubRest(options: GitHubRestOptions): Promise<GitHubRest> {
  const owner = options.owner ?? 'octo-org';
  const repo = options.repo ?? 'dropbox-migration';
  const defaultBranch = options.defaultBranch ?? 'main';
  const tokens = new Map<string, TokenGrant>([
    [
      options.token,
      {
        name: 'default',
        permissions: options.permissions ?? DEFAULT_PERMISSIONS,
        login: ACTIONS_BOT,
      },
    ],
  ]);
  let site: Site = { baseUrl: '', owner, repo, repoId: 700_123_456, defaultBranch };
  const issues = new IssueTracker(() => site);
  const actions = new ActionsEndpoints(
    () => site,
    options.actions,
    options.workflows ?? [{ path: '.github/workflows/migrate.yml', name: 'Migrate Dropbox to S3' }],
    new Set([
      defaultBranch,
      ...(options.branches ?? []).map((b) => b.replace(/^refs\/heads\//, '')),
    ]),
  );
  const routes: CompiledRoute[] = [
    repositoryRoute(() => site),
    ...issues.routes(),
    ...actions.routes(),
  ].map(compile);
  const faults = new Faults();
  const log: LoggedRequest[] = [];
  let used = 0;

  const server = createServer((req, res) => {
    void serve(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(String(error));
    });
  });

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', site.baseUrl);
    const method = (req.method ?? 'GET').toUpperCase();
    const raw = await readBody(req);
    if (method === 'GET' && url.pathname.startsWith(BLOB_PATH)) {
      const response = actions.download(url);
      record(method, url, undefined, response.status, undefined);
      send(res, response);
      return;
    }
    let tokenName: string | undefined;
    let body: unknown;
    let response: RouteResponse;
    try {
      const caller = authenticate(req.headers.authorization);
      tokenName = caller.tokenName;
      body = parseJson(raw);
      const fault = faults.take(method, url.pathname);
      if (fault !== undefined) throw fault;
      const found = match(routes, method, url.pathname);
      if (found === undefined) throw notFound();
      const { route, params } = found;
      const sameRepo =
        params['owner'] === undefined ||
        (params['owner'].toLowerCase() === owner.toLowerCase() &&
          params['repo']?.toLowerCase() === repo.toLowerCase());
      if (!sameRepo) throw notFound(route.docs);
      if (route.needs !== undefined) {
        const granted =
          tokens.get(tokenOf(req.headers.authorization) ?? '')?.permissions[route.needs.scope] ??
          'none';
        if (LEVELS[granted] < LEVELS[route.needs.level]) throw notAccessible(route.docs);
      }
      response = route.handle({ params, url, body, caller });
    } catch (error) {
      if (!(error instanceof RestError)) throw error;
      response = { status: error.status, json: error.body(), headers: error.headers };
      if (tokenName === undefined && error.status === 401)
        tokenName = tokenOf(req.headers.authorization) === undefined ? undefined : 'unknown';
    }
    used++;
    record(method, url, body, response.status, tokenName);
    send(res, {
      ...response,
      headers: { ...rateLimitHeaders(), ...response.headers },
    });
  }

  function authenticate(header: string | undefined): Caller {
    const token = tokenOf(header);
    if (token === undefined) throw requiresAuthentication();
    const grant = tokens.get(token);
    if (grant === undefined) throw badCredentials();
    return { tokenName: grant.name, login: grant.login };
  }

  function rateLimitHeaders(): Record<string, string> {
    return {
      'x-ratelimit-limit': String(RATE_LIMIT),
      'x-ratelimit-remaining': String(Math.max(1, RATE_LIMIT - used)),
      'x-ratelimit-reset': String(Math.ceil(Date.now() / 1000) + 3600),
      'x-ratelimit-used': String(used),
      'x-ratelimit-resource': 'core',
    };
  }

  function record(
    method: string,
    url: URL,
    body: unknown,
    status: number,
    token: string | undefined,
  ): void {
    const query: Record<string, string> = {};
    for (const [k, v] of url.searchParams) if (k !== 'sig') query[k] = v;
    log.push({ method, path: url.pathname, query, body, status, token });
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  site = { ...site, baseUrl: `http://127.0.0.1:${port}` };

  return {
    url: site.baseUrl,
    owner,
    repo,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => {
          if (error === undefined) resolve();
          else reject(error);
        });
        server.closeAllConnections();
      }),
    requests: () => [...log],
    clearRequests: () => {
      log.length = 0;
    },
    issues: () => issues.issues(),
    labels: () => issues.labels(),
    seedIssue: (issue) => issues.seed(issue, ACTIONS_BOT),
    dispatches: () => actions.dispatches(),
    workflows: () => actions.workflows(),
    setWorkflowState: (idOrFile, state) => {
      actions.setWorkflowState(idOrFile, state);
    },
    setPermissions: (permissions) => {
      const grant = tokens.get(options.token);
      if (grant !== undefined) grant.permissions = permissions;
    },
    addToken: (name, token, permissions, login = ACTIONS_BOT) => {
      tokens.set(token, { name, permissions, login });
    },
    addFault: (fault) => {
      faults.add(fault);
    },
    clearFaults: () => {
      faults.clear();
    },
  };
}

/** The token from `Authorization: token X` or `Bearer X` (Octokit sends the first for a GITHUB_TOKEN). */
function tokenOf(header: string | undefined): string | undefined {
  const m = /^(?:token|bearer)\s+(\S+)\s*$/i.exec(header ?? '');
  return m?.[1];
}

function parseJson(raw: Buffer): unknown {
  if (raw.length === 0) return undefined;
  try {
    return JSON.parse(raw.toString('utf8')) as unknown;
  } catch {
    throw badJson();
  }
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > MAX_BODY_BYTES) throw new Error('request body too large');
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}

function send(res: ServerResponse, response: RouteResponse): void {
  const headers: Record<string, string> = {
    'x-github-request-id': randomBytes(8).toString('hex').toUpperCase(),
  };
  for (const [k, v] of Object.entries(response.headers ?? {})) headers[k] = v;
  if (response.bytes !== undefined) {
    headers['content-type'] = response.bytes.contentType;
    headers['content-length'] = String(response.bytes.data.length);
    res.writeHead(response.status, headers);
    res.end(response.bytes.data);
    return;
  }
  if (response.json === undefined || response.status === 204) {
    res.writeHead(response.status, headers);
    res.end();
    return;
  }
  const text = JSON.stringify(response.json);
  headers['content-type'] = 'application/json; charset=utf-8';
  headers['x-github-media-type'] = 'github.v3; format=json';
  res.writeHead(response.status, headers);
  res.end(text);
}

/** `GET /repos/{owner}/{repo}`: the few fields a client reads (the default branch above all). */
function repositoryRoute(site: () => Site): Route {
  return {
    method: 'GET',
    path: '/repos/{owner}/{repo}',
    docs: docsUrl('repos/repos#get-a-repository'),
    handle: () => {
      const s = site();
      return {
        status: 200,
        json: {
          id: s.repoId,
          node_id: `R_fake${s.repoId}`,
          name: s.repo,
          full_name: `${s.owner}/${s.repo}`,
          private: true,
          owner: { login: s.owner, id: 9_919_001, type: 'Organization' },
          html_url: repoHtml(s),
          url: `${s.baseUrl}/repos/${s.owner}/${s.repo}`,
          default_branch: s.defaultBranch,
          has_issues: true,
          archived: false,
          disabled: false,
          visibility: 'private',
        },
      };
    },
  };
}
