import { createHash } from 'node:crypto';

/** One emulated workflow run attempt, as the runtime token identifies it. */
export interface RunContext {
  readonly runId: number;
  readonly attempt: number;
  /** The git ref the run is on, e.g. `refs/heads/main`; decides which caches it sees. */
  readonly ref: string;
  /** The job's name; several jobs of one run share the run's artifacts. */
  readonly job: string;
  /** `read` for runs GitHub gives a read-only cache token (untrusted events). */
  readonly cacheAccess: 'read-write' | 'read';
  readonly workflowRunBackendId: string;
  readonly workflowJobRunBackendId: string;
}

/** A stable UUID-shaped id, so the same run always gets the same backend ids. */
function backendId(...parts: readonly (string | number)[]): string {
  const hex = createHash('sha256').update(parts.join('\0')).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

export function runContext(run: {
  runId: number;
  attempt?: number;
  ref?: string;
  job?: string;
  cacheAccess?: 'read-write' | 'read';
}): RunContext {
  const attempt = run.attempt ?? 1;
  const job = run.job ?? 'migrate';
  return {
    runId: run.runId,
    attempt,
    ref: run.ref ?? 'refs/heads/main',
    job,
    cacheAccess: run.cacheAccess ?? 'read-write',
    // The backend run id is per run (artifacts are shared by its attempts and jobs); the job id
    // is per attempt and job, as on GitHub.
    workflowRunBackendId: backendId('run', run.runId),
    workflowJobRunBackendId: backendId('job', run.runId, attempt, job),
  };
}

function base64url(value: string): string {
  return Buffer.from(value, 'utf8').toString('base64url');
}

/**
 * An unsigned JWT shaped like the runner's ACTIONS_RUNTIME_TOKEN: the toolkit reads the backend
 * ids from the `Actions.Results:<run>:<job>` entry of the `scp` claim; `ac` lists the cache scopes
 * (the run's ref read/write, the default branch read-only) as the real token does.
 */
export function mintRuntimeToken(run: RunContext, defaultRef: string): string {
  const header = { typ: 'JWT', alg: 'none' };
  const now = Math.floor(Date.now() / 1000);
  // Permission bits as in the real token: 1 read, 2 write.
  const scopes = [{ Scope: run.ref, Permission: run.cacheAccess === 'read' ? 1 : 3 }];
  if (defaultRef !== run.ref) scopes.push({ Scope: defaultRef, Permission: 1 });
  const payload = {
    iss: 'actions-runtime-emulator',
    aud: 'vso:emulator',
    nbf: now - 60,
    exp: now + 6 * 3600,
    scp: [
      `Actions.ExampleScope`,
      `Actions.UploadArtifacts:${run.workflowRunBackendId}:${run.workflowJobRunBackendId}`,
      `Actions.Results:${run.workflowRunBackendId}:${run.workflowJobRunBackendId}`,
    ].join(' '),
    ac: JSON.stringify(scopes),
    run_id: String(run.runId),
    run_attempt: String(run.attempt),
  };
  return `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(payload))}.`;
}

/** The `Actions.Results` backend ids of a bearer token, or undefined when it has none. */
export function backendIdsOf(
  token: string,
): { workflowRunBackendId: string; workflowJobRunBackendId: string } | undefined {
  const payloadPart = token.split('.')[1];
  if (payloadPart === undefined) return undefined;
  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.from(payloadPart, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof payload !== 'object' || payload === null || !('scp' in payload)) return undefined;
  const scp = payload.scp;
  if (typeof scp !== 'string') return undefined;
  for (const scope of scp.split(' ')) {
    const parts = scope.split(':');
    if (parts[0] === 'Actions.Results' && parts.length === 3 && parts[1] && parts[2]) {
      return { workflowRunBackendId: parts[1], workflowJobRunBackendId: parts[2] };
    }
  }
  return undefined;
}
