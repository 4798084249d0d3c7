/**
 * The Actions endpoints: artifacts and caches (read from the shared ActionsState the runtime
 * emulator fills), and workflows (state kept here: dispatches, enable/disable).
 */
import { createHash, randomBytes } from 'node:crypto';
import type { ActionsState, ArtifactInfo, CacheEntryInfo } from '../actions-state.ts';
import { invalidRequest, missingField, notFound, RestError } from './errors.ts';
import { asObject, requiredString, type JsonObject } from './fields.ts';
import { listResponse } from './issues.ts';
import { paginate } from './pagination.ts';
import { docsUrl, type Route, type RouteRequest, type RouteResponse } from './routes.ts';
import { nodeId, repoApi, repoHtml, timestamp, type Site } from './site.ts';
import type { DispatchRecord, WorkflowDefinition, WorkflowView } from './types.ts';

/** GitHub's download redirect is good for one minute. */
const DOWNLOAD_URL_TTL_MS = 60_000;
/** GitHub refuses a dispatch with more inputs than this. */
const MAX_DISPATCH_INPUTS = 25;
export const BLOB_PATH = '/__blobs/artifacts/';

const DOCS = {
  listArtifacts: docsUrl('actions/artifacts#list-artifacts-for-a-repository'),
  runArtifacts: docsUrl('actions/artifacts#list-workflow-run-artifacts'),
  getArtifact: docsUrl('actions/artifacts#get-an-artifact'),
  downloadArtifact: docsUrl('actions/artifacts#download-an-artifact'),
  deleteArtifact: docsUrl('actions/artifacts#delete-an-artifact'),
  listCaches: docsUrl('actions/cache#list-github-actions-caches-for-a-repository'),
  deleteCachesByKey: docsUrl(
    'actions/cache#delete-github-actions-caches-for-a-repository-using-a-cache-key',
  ),
  deleteCache: docsUrl(
    'actions/cache#delete-a-github-actions-cache-for-a-repository-using-a-cache-id',
  ),
  listWorkflows: docsUrl('actions/workflows#list-repository-workflows'),
  getWorkflow: docsUrl('actions/workflows#get-a-workflow'),
  dispatch: docsUrl('actions/workflows#create-a-workflow-dispatch-event'),
  disable: docsUrl('actions/workflows#disable-a-workflow'),
  enable: docsUrl('actions/workflows#enable-a-workflow'),
};

const NO_ACTIONS: ActionsState = {
  listCaches: () => [],
  deleteCache: () => false,
  listArtifacts: () => [],
  artifactBytes: () => undefined,
  deleteArtifact: () => false,
};

interface WorkflowRecord {
  readonly id: number;
  readonly name: string;
  readonly path: string;
  readonly inputs: readonly string[] | undefined;
  state: 'active' | 'disabled_manually';
  readonly createdAt: string;
  updatedAt: string;
}

interface SignedDownload {
  readonly artifactId: number;
  readonly expiresAt: number;
}

export class ActionsEndpoints {
  private readonly state: ActionsState;
  private readonly workflowList: WorkflowRecord[];
  private readonly dispatchList: DispatchRecord[] = [];
  private readonly downloads = new Map<string, SignedDownload>();
  private nextRunId = 9_000_001;
  private readonly site: () => Site;
  private readonly branches: ReadonlySet<string>;

  constructor(
    site: () => Site,
    actions: ActionsState | undefined,
    workflows: readonly WorkflowDefinition[],
    branches: ReadonlySet<string>,
  ) {
    this.site = site;
    this.branches = branches;
    this.state = actions ?? NO_ACTIONS;
    const now = timestamp();
    this.workflowList = workflows.map((w, i) => ({
      id: w.id ?? 161_335 + i,
      name: w.name ?? w.path.replace(/^.*\//, ''),
      path: w.path,
      inputs: w.inputs,
      state: 'active',
      createdAt: now,
      updatedAt: now,
    }));
  }

  // --- direct access for tests ---

  dispatches(): DispatchRecord[] {
    return [...this.dispatchList];
  }

  workflows(): WorkflowView[] {
    return this.workflowList.map(({ id, name, path, state }) => ({ id, name, path, state }));
  }

  setWorkflowState(idOrFile: number | string, state: WorkflowView['state']): void {
    const workflow = this.workflowFor(String(idOrFile));
    if (workflow === undefined) throw new Error(`no workflow ${idOrFile}`);
    workflow.state = state;
  }

  /** The artifact bytes for a signed download URL, or the error a blob store would give. */
  download(url: URL): RouteResponse {
    const token = url.searchParams.get('sig') ?? '';
    const signed = this.downloads.get(token);
    if (signed === undefined || url.pathname !== `${BLOB_PATH}${signed.artifactId}`) {
      return {
        status: 403,
        bytes: { data: Buffer.from('AuthenticationFailed'), contentType: 'text/plain' },
      };
    }
    if (Date.now() > signed.expiresAt) {
      return {
        status: 403,
        bytes: { data: Buffer.from('AuthenticationFailed: expired'), contentType: 'text/plain' },
      };
    }
    const data = this.state.artifactBytes(signed.artifactId);
    if (data === undefined)
      return {
        status: 404,
        bytes: { data: Buffer.from('BlobNotFound'), contentType: 'text/plain' },
      };
    return { status: 200, bytes: { data, contentType: 'application/zip' } };
  }

  // --- endpoints ---

  routes(): Route[] {
    const repo = '/repos/{owner}/{repo}/actions';
    const read = { scope: 'actions', level: 'read' } as const;
    const write = { scope: 'actions', level: 'write' } as const;
    return [
      {
        method: 'GET',
        path: `${repo}/artifacts`,
        needs: read,
        docs: DOCS.listArtifacts,
        handle: (r) => this.listArtifacts(r, undefined),
      },
      {
        method: 'GET',
        path: `${repo}/runs/{run_id}/artifacts`,
        needs: read,
        docs: DOCS.runArtifacts,
        handle: (r) => this.listArtifacts(r, Number(r.params['run_id'])),
      },
      {
        method: 'GET',
        path: `${repo}/artifacts/{artifact_id}`,
        needs: read,
        docs: DOCS.getArtifact,
        handle: (r) => ({
          status: 200,
          json: this.artifactJson(this.artifact(r, DOCS.getArtifact)),
        }),
      },
      {
        method: 'GET',
        path: `${repo}/artifacts/{artifact_id}/{archive_format}`,
        needs: read,
        docs: DOCS.downloadArtifact,
        handle: (r) => this.redirectToDownload(r),
      },
      {
        method: 'DELETE',
        path: `${repo}/artifacts/{artifact_id}`,
        needs: write,
        docs: DOCS.deleteArtifact,
        handle: (r) => {
          const artifact = this.artifact(r, DOCS.deleteArtifact);
          this.state.deleteArtifact(artifact.id);
          return { status: 204 };
        },
      },
      {
        method: 'GET',
        path: `${repo}/caches`,
        needs: read,
        docs: DOCS.listCaches,
        handle: (r) => this.listCaches(r),
      },
      {
        method: 'DELETE',
        path: `${repo}/caches`,
        needs: write,
        docs: DOCS.deleteCachesByKey,
        handle: (r) => this.deleteCachesByKey(r),
      },
      {
        method: 'DELETE',
        path: `${repo}/caches/{cache_id}`,
        needs: write,
        docs: DOCS.deleteCache,
        handle: (r) => {
          if (!this.state.deleteCache(Number(r.params['cache_id'])))
            throw notFound(DOCS.deleteCache);
          return { status: 204 };
        },
      },
      {
        method: 'GET',
        path: `${repo}/workflows`,
        needs: read,
        docs: DOCS.listWorkflows,
        handle: (r) => {
          const page = paginate(this.workflowList, r.url);
          const workflows = page.items.map((w) => this.workflowJson(w));
          return {
            ...listResponse({ total_count: this.workflowList.length, workflows }, page.link),
          };
        },
      },
      {
        method: 'GET',
        path: `${repo}/workflows/{workflow_id}`,
        needs: read,
        docs: DOCS.getWorkflow,
        handle: (r) => ({
          status: 200,
          json: this.workflowJson(this.workflow(r, DOCS.getWorkflow)),
        }),
      },
      {
        method: 'POST',
        path: `${repo}/workflows/{workflow_id}/dispatches`,
        needs: write,
        docs: DOCS.dispatch,
        handle: (r) => this.dispatch(r),
      },
      {
        method: 'PUT',
        path: `${repo}/workflows/{workflow_id}/disable`,
        needs: write,
        docs: DOCS.disable,
        handle: (r) => this.setState(r, DOCS.disable, 'disabled_manually'),
      },
      {
        method: 'PUT',
        path: `${repo}/workflows/{workflow_id}/enable`,
        needs: write,
        docs: DOCS.enable,
        handle: (r) => this.setState(r, DOCS.enable, 'active'),
      },
    ];
  }

  private listArtifacts(r: RouteRequest, runId: number | undefined): RouteResponse {
    const name = r.url.searchParams.get('name');
    const ascending = runId !== undefined && r.url.searchParams.get('direction') === 'asc';
    // Newest first, as GitHub lists them.
    const chosen = this.state
      .listArtifacts()
      .filter(
        (a) => (runId === undefined || a.runId === runId) && (name === null || a.name === name),
      )
      .sort(
        (a, b) =>
          (ascending ? 1 : -1) * (Date.parse(a.createdAt) - Date.parse(b.createdAt) || a.id - b.id),
      );
    const page = paginate(chosen, r.url);
    const artifacts = page.items.map((a) => this.artifactJson(a));
    return listResponse({ total_count: chosen.length, artifacts }, page.link);
  }

  private artifact(r: RouteRequest, docs: string): ArtifactInfo {
    const id = Number(r.params['artifact_id']);
    const artifact = this.state.listArtifacts().find((a) => a.id === id);
    if (artifact === undefined) throw notFound(docs);
    return artifact;
  }

  private redirectToDownload(r: RouteRequest): RouteResponse {
    if (r.params['archive_format'] !== 'zip') throw notFound(DOCS.downloadArtifact);
    const artifact = this.artifact(r, DOCS.downloadArtifact);
    if (isExpired(artifact))
      throw new RestError(410, 'Artifact has expired', DOCS.downloadArtifact);
    const sig = randomBytes(16).toString('hex');
    this.downloads.set(sig, {
      artifactId: artifact.id,
      expiresAt: Date.now() + DOWNLOAD_URL_TTL_MS,
    });
    const location = `${this.site().baseUrl}${BLOB_PATH}${artifact.id}?sig=${sig}`;
    return { status: 302, headers: { location } };
  }

  private listCaches(r: RouteRequest): RouteResponse {
    const q = r.url.searchParams;
    const key = q.get('key');
    const ref = q.get('ref');
    const sort = q.get('sort') ?? 'last_accessed_at';
    const direction = q.get('direction') === 'asc' ? 1 : -1;
    const keyOf = (c: CacheEntryInfo): number =>
      sort === 'size_in_bytes'
        ? c.sizeBytes
        : sort === 'created_at'
          ? Date.parse(c.createdAt)
          : Date.parse(c.lastAccessedAt);
    const chosen = this.state
      .listCaches()
      .filter((c) => (key === null || c.key.startsWith(key)) && (ref === null || c.ref === ref))
      .sort((a, b) => direction * (keyOf(a) - keyOf(b) || a.id - b.id));
    const page = paginate(chosen, r.url);
    return listResponse(
      { total_count: chosen.length, actions_caches: page.items.map(cacheJson) },
      page.link,
    );
  }

  /** Deletes every entry with exactly this key (and ref, when given), as GitHub does. */
  private deleteCachesByKey(r: RouteRequest): RouteResponse {
    const key = r.url.searchParams.get('key');
    const ref = r.url.searchParams.get('ref');
    if (key === null || key === '') throw missingField(DOCS.deleteCachesByKey, 'key');
    const doomed = this.state
      .listCaches()
      .filter((c) => c.key === key && (ref === null || c.ref === ref));
    if (doomed.length === 0) throw notFound(DOCS.deleteCachesByKey);
    const deleted = doomed.filter((c) => this.state.deleteCache(c.id));
    return {
      status: 200,
      json: { total_count: deleted.length, actions_caches: deleted.map(cacheJson) },
    };
  }

  /** `workflow_id` is the numeric id or the workflow's file name (`migrate.yml`). */
  private workflowFor(idOrFile: string): WorkflowRecord | undefined {
    return this.workflowList.find(
      (w) =>
        String(w.id) === idOrFile ||
        w.path.replace(/^.*\//, '') === idOrFile ||
        w.path === idOrFile,
    );
  }

  private workflow(r: RouteRequest, docs: string): WorkflowRecord {
    const workflow = this.workflowFor(r.params['workflow_id'] ?? '');
    if (workflow === undefined) throw notFound(docs);
    return workflow;
  }

  private setState(r: RouteRequest, docs: string, state: WorkflowRecord['state']): RouteResponse {
    const workflow = this.workflow(r, docs);
    workflow.state = state;
    workflow.updatedAt = timestamp();
    return { status: 204 };
  }

  private dispatch(r: RouteRequest): RouteResponse {
    const workflow = this.workflow(r, DOCS.dispatch);
    const body = asObject(r.body, DOCS.dispatch);
    const ref = requiredString(body, 'ref', DOCS.dispatch);
    const rawInputs = body['inputs'] ?? {};
    if (typeof rawInputs !== 'object' || Array.isArray(rawInputs)) {
      throw invalidRequest(
        DOCS.dispatch,
        `For 'properties/inputs', ${JSON.stringify(rawInputs)} is not an object.`,
      );
    }
    const inputs = rawInputs as JsonObject;
    for (const [name, value] of Object.entries(inputs)) {
      if (!['string', 'number', 'boolean'].includes(typeof value)) {
        throw invalidRequest(
          DOCS.dispatch,
          `For 'properties/${name}', ${JSON.stringify(value)} is not a string.`,
        );
      }
    }
    if (Object.keys(inputs).length > MAX_DISPATCH_INPUTS) {
      throw new RestError(
        422,
        `you may only define up to ${MAX_DISPATCH_INPUTS} \`inputs\` for a \`workflow_dispatch\` event`,
        DOCS.dispatch,
      );
    }
    if (!this.branches.has(ref.replace(/^refs\/heads\//, ''))) {
      throw new RestError(422, `No ref found for: ${ref}`, DOCS.dispatch);
    }
    if (workflow.state !== 'active') {
      throw new RestError(
        422,
        "Cannot trigger a 'workflow_dispatch' on a disabled workflow",
        DOCS.dispatch,
      );
    }
    const unexpected = Object.keys(inputs).filter(
      (name) => workflow.inputs !== undefined && !workflow.inputs.includes(name),
    );
    if (unexpected.length > 0) {
      throw new RestError(
        422,
        `Unexpected inputs provided: ${JSON.stringify(unexpected)}`,
        DOCS.dispatch,
      );
    }
    this.dispatchList.push({
      workflowId: workflow.id,
      workflowPath: workflow.path,
      ref,
      inputs: { ...inputs },
      token: r.caller.tokenName,
    });
    const runId = this.nextRunId++;
    if (body['return_run_details'] === true) {
      const site = this.site();
      return {
        status: 200,
        json: {
          workflow_run_id: runId,
          run_url: repoApi(site, `/actions/runs/${runId}`),
          html_url: repoHtml(site, `/actions/runs/${runId}`),
        },
      };
    }
    return { status: 204 };
  }

  // --- JSON as GitHub shapes it ---

  private artifactJson(artifact: ArtifactInfo): JsonObject {
    const site = this.site();
    const url = repoApi(site, `/actions/artifacts/${artifact.id}`);
    const bytes = this.state.artifactBytes(artifact.id);
    return {
      id: artifact.id,
      node_id: nodeId('MDg6QXJ0aWZhY3Q', artifact.id),
      name: artifact.name,
      size_in_bytes: artifact.sizeBytes,
      url,
      archive_download_url: `${url}/zip`,
      expired: isExpired(artifact),
      digest:
        bytes === undefined ? null : `sha256:${createHash('sha256').update(bytes).digest('hex')}`,
      created_at: artifact.createdAt,
      updated_at: artifact.createdAt,
      expires_at: artifact.expiresAt,
      workflow_run: {
        id: artifact.runId,
        repository_id: site.repoId,
        head_repository_id: site.repoId,
        head_branch: site.defaultBranch,
        head_sha: createHash('sha1').update(String(artifact.runId)).digest('hex'),
      },
    };
  }

  private workflowJson(workflow: WorkflowRecord): JsonObject {
    const site = this.site();
    const file = workflow.path.replace(/^.*\//, '');
    return {
      id: workflow.id,
      node_id: nodeId('W', workflow.id),
      name: workflow.name,
      path: workflow.path,
      state: workflow.state,
      created_at: workflow.createdAt,
      updated_at: workflow.updatedAt,
      url: repoApi(site, `/actions/workflows/${workflow.id}`),
      html_url: repoHtml(site, `/blob/${site.defaultBranch}/${workflow.path}`),
      badge_url: repoHtml(site, `/workflows/${encodeURIComponent(file)}/badge.svg`),
    };
  }
}

function isExpired(artifact: ArtifactInfo): boolean {
  return Date.parse(artifact.expiresAt) <= Date.now();
}

function cacheJson(c: CacheEntryInfo): JsonObject {
  return {
    id: c.id,
    ref: c.ref,
    key: c.key,
    version: c.version,
    last_accessed_at: c.lastAccessedAt,
    created_at: c.createdAt,
    size_in_bytes: c.sizeBytes,
  };
}
