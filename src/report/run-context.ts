/**
 * Where the workflow runs, for the summary's links: what the report needs of the run. The action
 * reads it from the runner's environment (src/action/context.ts); tests write it out.
 */
export interface RunContext {
  /** `GITHUB_SERVER_URL`, such as https://github.com. */
  readonly serverUrl: string;
  /** `owner/name`; empty outside GitHub Actions (the summary then has no links). */
  readonly repository: string;
  readonly runId?: string;
  /** `owner/repo/.github/workflows/migrate.yml@refs/heads/main` (`GITHUB_WORKFLOW_REF`). */
  readonly workflowRef?: string;
}

/** The workflow file's name (`migrate.yml`), the id the REST API takes for it. */
export function workflowFile(run: RunContext): string | undefined {
  const match = /\/\.github\/workflows\/([^/@]+)@/.exec(run.workflowRef ?? '');
  return match?.[1];
}
