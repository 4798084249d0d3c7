import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ActionsState } from '../actions-state.ts';
import { ArtifactService } from './artifact-service.ts';
import { BLOB_ACCOUNT, BlobStore, readBody } from './blobs.ts';
import { CacheService } from './cache-service.ts';
import { backendIdsOf, mintRuntimeToken, runContext, type RunContext } from './token.ts';
import { TwirpError, type TwirpBody } from './twirp.ts';

export interface ActionsRuntimeOptions {
  /** The repository's default branch (its caches are visible to every ref). Default `main`. */
  defaultBranch?: string;
  /** `owner/name`. Default `octo-org/dropbox-migration`. */
  repository?: string;
}

export interface RunSpec {
  runId: number;
  /** Default 1. */
  attempt?: number;
  /** Default `refs/heads/<default branch>`. */
  ref?: string;
  /** The job's name (one backend job id per run, attempt and job). Default `migrate`. */
  job?: string;
  /** `read`: the run's token may restore caches but not save them (as for untrusted events). */
  cacheAccess?: 'read-write' | 'read';
  /** RUNNER_TEMP; default a directory of the emulator's, removed by close(). */
  runnerTemp?: string;
  /** GITHUB_WORKSPACE (artifact downloads land there by default); default one directory for all runs. */
  workspace?: string;
}

export interface RuntimeRequest {
  readonly method: string;
  /** Path without the query string, so signatures never reach a log. */
  readonly path: string;
  /** `CacheService/CreateCacheEntry`, … for Twirp calls; `blob` for blob storage. */
  readonly service: string;
  readonly status: number;
  /** The run (by its token) that made a Twirp call. */
  readonly runId?: number;
}

export interface ActionsRuntime {
  /** Base URL, `http://127.0.0.1:PORT` (no trailing slash). */
  readonly url: string;
  /** The environment a runner gives a step of this run (merge it over a clean env). */
  env(run: RunSpec): NodeJS.ProcessEnv;
  /** The runtime token of a run (what env() puts in ACTIONS_RUNTIME_TOKEN). */
  token(run: RunSpec): string;
  readonly state: ActionsState;
  requests(): readonly RuntimeRequest[];
  clearRequests(): void;
  close(): Promise<void>;
}

/**
 * The Actions runtime a runner talks to for caches and artifacts: Twirp services at
 * ACTIONS_RESULTS_URL and the signed blob URLs they hand out, all on one local port.
 */
export async function startActionsRuntime(
  options: ActionsRuntimeOptions = {},
): Promise<ActionsRuntime> {
  const defaultRef = `refs/heads/${options.defaultBranch ?? 'main'}`;
  const repository = options.repository ?? 'octo-org/dropbox-migration';
  let baseUrl = '';
  let lastId = 1000;
  const nextId = (): number => ++lastId;
  const blobs = new BlobStore(() => baseUrl);
  const caches = new CacheService(blobs, defaultRef, nextId);
  const artifacts = new ArtifactService(blobs, nextId);
  const runs = new Map<string, RunContext>();
  const log: RuntimeRequest[] = [];
  const scratch = mkdtempSync(join(tmpdir(), 'actions-runtime-'));

  const twirp = async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    const match =
      /^\/twirp\/github\.actions\.results\.api\.v1\.(CacheService|ArtifactService)\/(\w+)$/.exec(
        url.pathname,
      );
    const service = match ? `${match[1]}/${match[2]}` : url.pathname;
    let runId: number | undefined;
    let status = 200;
    let payload: unknown;
    try {
      const raw = await readBody(req);
      if (!match) throw new TwirpError('bad_route', `no handler for ${url.pathname}`);
      if (req.method !== 'POST') throw new TwirpError('bad_route', 'Twirp routes take POST');
      const auth = req.headers.authorization ?? '';
      const ids = auth.startsWith('Bearer ') ? backendIdsOf(auth.slice(7)) : undefined;
      const run = ids ? runs.get(ids.workflowJobRunBackendId) : undefined;
      if (!run) throw new TwirpError('unauthenticated', 'missing or unknown runtime token');
      runId = run.runId;
      let body: TwirpBody;
      try {
        const parsed: unknown = JSON.parse(raw.toString('utf8') || '{}');
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
          throw new Error();
        body = parsed as TwirpBody;
      } catch {
        throw new TwirpError('malformed', 'the request body is not a JSON object');
      }
      payload =
        match[1] === 'CacheService'
          ? caches.call(match[2] ?? '', body, run)
          : artifacts.call(match[2] ?? '', body, run);
    } catch (error) {
      const twirpError =
        error instanceof TwirpError
          ? error
          : new TwirpError('internal', error instanceof Error ? error.message : String(error));
      status =
        twirpError.code === 'bad_route'
          ? 404
          : twirpError.code === 'malformed'
            ? 400
            : twirpError.status;
      payload = { code: twirpError.code, msg: twirpError.message };
    }
    log.push({
      method: req.method ?? '',
      path: url.pathname,
      service,
      status,
      ...(runId ? { runId } : {}),
    });
    res.writeHead(status, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(payload));
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const handler = url.pathname.startsWith('/twirp/')
      ? twirp(req, res, url)
      : url.pathname.startsWith(`/${BLOB_ACCOUNT}/`)
        ? blobs.handle(req, res, url).then(() => {
            log.push({
              method: req.method ?? '',
              path: url.pathname,
              service: 'blob',
              status: res.statusCode,
            });
          })
        : Promise.resolve().then(() => {
            log.push({
              method: req.method ?? '',
              path: url.pathname,
              service: 'unknown',
              status: 404,
            });
            res.writeHead(404, { 'Content-Type': 'text/plain' });
            res.end('not found');
          });
    handler.catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain' });
      res.end(error instanceof Error ? error.message : 'internal error');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const register = (spec: RunSpec): RunContext => {
    const run = runContext({ ...spec, ref: spec.ref ?? defaultRef });
    runs.set(run.workflowJobRunBackendId, run);
    return run;
  };

  const state: ActionsState = {
    listCaches: () => caches.list(),
    deleteCache: (id) => caches.delete(id),
    listArtifacts: () => artifacts.listAll(),
    artifactBytes: (id) => artifacts.bytes(id),
    deleteArtifact: (id) => artifacts.delete(id),
  };

  return {
    url: baseUrl,
    state,
    token: (spec) => mintRuntimeToken(register(spec), defaultRef),
    env(spec) {
      const run = register(spec);
      const runnerTemp =
        spec.runnerTemp ?? join(scratch, `run-${run.runId}-${run.attempt}`, 'temp');
      // One workspace path for every run, as on a runner (/home/runner/work/<repo>/<repo>): the
      // cache archives paths relative to it.
      const workspace = spec.workspace ?? join(scratch, 'workspace');
      mkdirSync(runnerTemp, { recursive: true });
      mkdirSync(workspace, { recursive: true });
      const refName = run.ref.replace(/^refs\/(heads|tags)\//, '');
      return {
        GITHUB_ACTIONS: 'true',
        CI: 'true',
        ACTIONS_RESULTS_URL: `${baseUrl}/`,
        ACTIONS_RUNTIME_TOKEN: mintRuntimeToken(run, defaultRef),
        ACTIONS_CACHE_SERVICE_V2: 'true',
        // The toolkit uses the v2 cache service and the v4 artifact service only for github.com
        // (or ghe.com) hosts; GHES would get v1 / an error.
        GITHUB_SERVER_URL: 'https://github.com',
        GITHUB_REPOSITORY: repository,
        GITHUB_REPOSITORY_OWNER: repository.split('/')[0] ?? repository,
        GITHUB_REF: run.ref,
        GITHUB_REF_NAME: refName,
        GITHUB_RUN_ID: String(run.runId),
        GITHUB_RUN_ATTEMPT: String(run.attempt),
        GITHUB_JOB: run.job,
        RUNNER_TEMP: runnerTemp,
        GITHUB_WORKSPACE: workspace,
      };
    },
    requests: () => [...log],
    clearRequests: () => {
      log.length = 0;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) =>
        server.close((error) => {
          if (error) reject(error);
          else resolve();
        }),
      );
      rmSync(scratch, { recursive: true, force: true });
    },
  };
}
