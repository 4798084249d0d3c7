import type { RunContext } from '../report/run-context.ts';

/**
 * What the runner tells a step about its run, read once from the environment the runner sets:
 * the summary links to the run with it, and stores name their entries with it and find earlier
 * runs' entries through the REST API.
 */
export interface StepContext extends RunContext {
  /** `GITHUB_RUN_ID`; undefined outside GitHub Actions. */
  readonly runId: string | undefined;
  readonly runAttempt: string;
  /** A folder that outlives the step (the workspace), for staging what a store saves. */
  readonly workspace: string;
}

export function stepContext(env: NodeJS.ProcessEnv = process.env): StepContext {
  return {
    serverUrl: env.GITHUB_SERVER_URL ?? 'https://github.com',
    repository: env.GITHUB_REPOSITORY ?? '',
    runId: env.GITHUB_RUN_ID,
    runAttempt: env.GITHUB_RUN_ATTEMPT ?? '1',
    workflowRef: env.GITHUB_WORKFLOW_REF,
    workspace: env.GITHUB_WORKSPACE ?? process.cwd(),
  };
}

/** `<run id>-<attempt>`: one run's entries apart from another's ("0" outside GitHub Actions). */
export function runLabel(context: StepContext): string {
  return `${context.runId ?? '0'}-${context.runAttempt}`;
}

export function ownerAndRepo(context: StepContext): { owner: string; repo: string } {
  const [owner = '', repo = ''] = context.repository.split('/');
  if (owner === '' || repo === '') {
    throw new Error(
      'GITHUB_REPOSITORY is not set: the cache and artifact ledger stores only work inside GitHub Actions.',
    );
  }
  return { owner, repo };
}
