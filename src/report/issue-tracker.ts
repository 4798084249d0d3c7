/**
 * What finalize needs from GitHub, so the decision logic runs in tests without it. The Octokit
 * implementation is in `src/action/issue-tracker.ts` (the engine and reports never import
 * `@actions/*`).
 */
export interface TrackedIssue {
  readonly number: number;
  readonly url: string;
  readonly state: 'open' | 'closed';
  readonly body: string;
}

export interface IssueContent {
  readonly title: string;
  readonly body: string;
}

export interface IssueTracker {
  /** The oldest issue, open or closed, with this label whose body holds `marker`. */
  findIssue(label: string, marker: string): Promise<TrackedIssue | undefined>;
  /** Opens an issue with the label (created first when the repository lacks it). */
  createIssue(content: IssueContent, label: string): Promise<TrackedIssue>;
  /** Replaces title and body; `reopen` opens it again when someone closed it. */
  updateIssue(
    issueNumber: number,
    content: IssueContent,
    options: { readonly reopen: boolean },
  ): Promise<TrackedIssue>;
  /** Disables a workflow (its schedule stops); `workflow` is its file name or id. */
  disableWorkflow(workflow: string): Promise<void>;
}
