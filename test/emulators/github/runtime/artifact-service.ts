import type { ArtifactInfo } from '../actions-state.ts';
import type { BlobStore } from './blobs.ts';
import type { RunContext } from './token.ts';
import { int64, optStr, str, TwirpError, type TwirpBody } from './twirp.ts';

export const ARTIFACT_CONTAINER = 'actions-results';

interface Artifact {
  readonly id: number;
  readonly name: string;
  readonly runId: number;
  readonly workflowRunBackendId: string;
  readonly workflowJobRunBackendId: string;
  readonly createdAt: Date;
  readonly expiresAt: Date;
  sizeBytes: number;
  digest: string | undefined;
  finalized: boolean;
}

const DEFAULT_RETENTION_DAYS = 90;

/**
 * The artifact service v4 (`github.actions.results.api.v1.ArtifactService`): artifacts belong to
 * a workflow run, their names are unique within it, and they become visible when finalized.
 * Artifacts of other runs are reached through the REST API only (the REST fake reads them from
 * the shared state), as on GitHub.
 */
export class ArtifactService {
  private readonly artifacts: Artifact[] = [];
  private readonly blobs: BlobStore;
  private readonly nextId: () => number;

  constructor(blobs: BlobStore, nextId: () => number) {
    this.blobs = blobs;
    this.nextId = nextId;
  }

  call(method: string, body: TwirpBody, run: RunContext): TwirpBody {
    // The toolkit sends the backend ids from the token; a request for another run is refused.
    const runBackendId = body['workflow_run_backend_id'];
    if (runBackendId !== undefined && runBackendId !== run.workflowRunBackendId) {
      throw new TwirpError(
        'permission_denied',
        'the token does not grant access to this workflow run',
      );
    }
    switch (method) {
      case 'CreateArtifact':
        return this.create(body, run);
      case 'FinalizeArtifact':
        return this.finalize(body, run);
      case 'ListArtifacts':
        return this.list(body, run);
      case 'GetSignedArtifactURL':
        return this.signedUrl(body, run);
      case 'DeleteArtifact':
        return this.remove(body, run);
      default:
        throw new TwirpError('bad_route', `no handler for ArtifactService/${method}`);
    }
  }

  private create(body: TwirpBody, run: RunContext): TwirpBody {
    const name = str(body, 'name');
    const version = body['version'];
    if (version !== 4 && version !== 7) {
      throw new TwirpError('invalid_argument', `unsupported artifact version ${String(version)}`);
    }
    if (this.artifacts.some((a) => a.runId === run.runId && a.name === name)) {
      throw new TwirpError(
        'already_exists',
        `an artifact with this name already exists on the workflow run`,
      );
    }
    const now = new Date();
    const expiresText = optStr(body, 'expires_at');
    const expiresAt = expiresText
      ? new Date(expiresText)
      : new Date(now.getTime() + DEFAULT_RETENTION_DAYS * 86_400_000);
    const artifact: Artifact = {
      id: this.nextId(),
      name,
      runId: run.runId,
      workflowRunBackendId: run.workflowRunBackendId,
      workflowJobRunBackendId: run.workflowJobRunBackendId,
      createdAt: now,
      expiresAt,
      sizeBytes: 0,
      digest: undefined,
      finalized: false,
    };
    this.artifacts.push(artifact);
    return {
      ok: true,
      signed_upload_url: this.blobs.sign(ARTIFACT_CONTAINER, blobName(artifact), true),
    };
  }

  private finalize(body: TwirpBody, run: RunContext): TwirpBody {
    const name = str(body, 'name');
    const artifact = this.artifacts.find(
      (a) => a.runId === run.runId && a.name === name && !a.finalized,
    );
    if (!artifact) throw new TwirpError('not_found', 'artifact not found');
    const data = this.blobs.get(ARTIFACT_CONTAINER, blobName(artifact));
    if (!data) throw new TwirpError('failed_precondition', 'the artifact was not uploaded');
    const size = int64(body, 'size');
    if (size !== undefined && size !== data.length) {
      throw new TwirpError(
        'invalid_argument',
        `size ${size} does not match the uploaded ${data.length} bytes`,
      );
    }
    artifact.sizeBytes = data.length;
    artifact.digest = optStr(body, 'hash');
    artifact.finalized = true;
    return { ok: true, artifact_id: String(artifact.id) };
  }

  private list(body: TwirpBody, run: RunContext): TwirpBody {
    const nameFilter = optStr(body, 'name_filter');
    const idFilter = int64(body, 'id_filter');
    const artifacts = this.visible(run)
      .filter((a) => nameFilter === undefined || a.name === nameFilter)
      .filter((a) => idFilter === undefined || a.id === idFilter)
      .map((a) => {
        const entry: Record<string, unknown> = {
          workflow_run_backend_id: a.workflowRunBackendId,
          workflow_job_run_backend_id: a.workflowJobRunBackendId,
          database_id: String(a.id),
          name: a.name,
          size: String(a.sizeBytes),
          created_at: a.createdAt.toISOString(),
        };
        if (a.digest !== undefined) entry['digest'] = a.digest;
        return entry;
      });
    return { artifacts };
  }

  private signedUrl(body: TwirpBody, run: RunContext): TwirpBody {
    const name = str(body, 'name');
    const artifact = this.visible(run).find((a) => a.name === name);
    if (!artifact) throw new TwirpError('not_found', 'artifact not found');
    return { signed_url: this.blobs.sign(ARTIFACT_CONTAINER, blobName(artifact), false) };
  }

  private remove(body: TwirpBody, run: RunContext): TwirpBody {
    const name = str(body, 'name');
    const artifact = this.visible(run).find((a) => a.name === name);
    if (!artifact) throw new TwirpError('not_found', 'artifact not found');
    this.delete(artifact.id);
    return { ok: true, artifact_id: String(artifact.id) };
  }

  private visible(run: RunContext): Artifact[] {
    const now = Date.now();
    return this.artifacts.filter(
      (a) => a.finalized && a.runId === run.runId && a.expiresAt.getTime() > now,
    );
  }

  listAll(): ArtifactInfo[] {
    return this.artifacts
      .filter((a) => a.finalized)
      .map((a) => ({
        id: a.id,
        name: a.name,
        runId: a.runId,
        sizeBytes: a.sizeBytes,
        createdAt: a.createdAt.toISOString(),
        expiresAt: a.expiresAt.toISOString(),
      }));
  }

  bytes(id: number): Buffer | undefined {
    const artifact = this.artifacts.find((a) => a.id === id && a.finalized);
    return artifact ? this.blobs.get(ARTIFACT_CONTAINER, blobName(artifact)) : undefined;
  }

  delete(id: number): boolean {
    const index = this.artifacts.findIndex((a) => a.id === id && a.finalized);
    if (index < 0) return false;
    const [artifact] = this.artifacts.splice(index, 1);
    if (artifact) this.blobs.delete(ARTIFACT_CONTAINER, blobName(artifact));
    return true;
  }
}

/** Ends in `.zip` like GitHub's, which is one way the download recognises a zip. */
function blobName(artifact: Artifact): string {
  return `${artifact.workflowRunBackendId}/${artifact.id}/${artifact.name}.zip`;
}
