import type { ActionsState } from '../actions-state.ts';

export type Permission = 'none' | 'read' | 'write';
/** The GITHUB_TOKEN permission scopes the product's endpoints need. */
export type Scope = 'issues' | 'actions' | 'contents';
export type Permissions = Readonly<Partial<Record<Scope, Permission>>>;

/** Granted when `permissions` is not given: what the workflow's finalize job asks for. */
export const DEFAULT_PERMISSIONS: Readonly<Record<Scope, Permission>> = {
  issues: 'write',
  actions: 'write',
  contents: 'read',
};

export interface WorkflowDefinition {
  /** Path in the repository, e.g. `.github/workflows/migrate.yml`; its file name also names it in URLs. */
  readonly path: string;
  readonly name?: string;
  readonly id?: number;
  /**
   * The `workflow_dispatch` inputs the workflow declares. When given, a dispatch with any other
   * input is refused with 422 as GitHub does; when absent, any inputs are accepted.
   */
  readonly inputs?: readonly string[];
}

export interface GitHubRestOptions {
  /** The token requests must carry (`Authorization: token …` or `Bearer …`). */
  readonly token: string;
  readonly permissions?: Permissions;
  /** Caches and artifacts (the Actions runtime emulator's state); none when absent. */
  readonly actions?: ActionsState;
  /** Default `octo-org`, as the runtime emulator's default repository. */
  readonly owner?: string;
  /** Default `dropbox-migration`. */
  readonly repo?: string;
  readonly defaultBranch?: string;
  /** Branches a dispatch may name (`main` or `refs/heads/main`); the default branch always counts. */
  readonly branches?: readonly string[];
  readonly workflows?: readonly WorkflowDefinition[];
}

/** One request as the fake saw it. The token itself is never kept, only the name it was given. */
export interface LoggedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  readonly body: unknown;
  readonly status: number;
  /** `default` for the configured token, the name given to `addToken`, `unknown`, or undefined when none was sent. */
  readonly token: string | undefined;
}

export interface RestFault {
  /**
   * `secondary-rate-limit`: 403 (or 429) "You have exceeded a secondary rate limit" with
   * `retry-after`; `rate-limit`: 403 with `x-ratelimit-remaining: 0` and a reset time;
   * `server-error`: 500.
   */
  readonly kind: 'secondary-rate-limit' | 'rate-limit' | 'server-error';
  /** How many matching requests fail (default 1). */
  readonly times?: number;
  readonly status?: 403 | 429;
  /** Seconds for `retry-after` (secondary) or until the reset (primary); default 1. */
  readonly retryAfterSeconds?: number;
  readonly method?: string;
  /** Only requests whose path starts with this. */
  readonly pathPrefix?: string;
}

export interface IssueView {
  readonly number: number;
  readonly title: string;
  readonly body: string | null;
  readonly state: 'open' | 'closed';
  readonly stateReason: string | null;
  readonly labels: readonly string[];
  readonly comments: readonly string[];
  readonly creator: string;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface LabelView {
  readonly name: string;
  readonly color: string;
  readonly description: string | null;
}

export interface DispatchRecord {
  readonly workflowId: number;
  readonly workflowPath: string;
  readonly ref: string;
  readonly inputs: Readonly<Record<string, unknown>>;
  readonly token: string | undefined;
}

export interface WorkflowView {
  readonly id: number;
  readonly name: string;
  readonly path: string;
  readonly state: 'active' | 'disabled_manually';
}

export interface NewIssue {
  readonly title: string;
  readonly body?: string;
  readonly labels?: readonly string[];
  readonly state?: 'open' | 'closed';
}
