/**
 * What the runner tells a step about its run, read once from the environment the runner sets.
 * Stores name their entries with it and find earlier runs' entries through the REST API.
 */
export interface RunContext {
  readonly runId: string;
  readonly runAttempt: string;
  /** `owner/name`; empty outside GitHub Actions. */
  readonly repository: string;
  /** A folder that outlives the step (the workspace), for staging what a store saves. */
  readonly workspace: string;
}

export function runContext(env: NodeJS.ProcessEnv = process.env): RunContext {
  return {
    runId: env.GITHUB_RUN_ID ?? '0',
    runAttempt: env.GITHUB_RUN_ATTEMPT ?? '1',
    repository: env.GITHUB_REPOSITORY ?? '',
    workspace: env.GITHUB_WORKSPACE ?? process.cwd(),
  };
}

export function ownerAndRepo(context: RunContext): { owner: string; repo: string } {
  const [owner = '', repo = ''] = context.repository.split('/');
  if (owner === '' || repo === '') {
    throw new Error(
      'GITHUB_REPOSITORY is not set: the cache and artifact ledger stores only work inside GitHub Actions.',
    );
  }
  return { owner, repo };
}
