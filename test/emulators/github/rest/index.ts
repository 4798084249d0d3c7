/**
 * The GitHub REST fake: issues, labels, comments, artifacts, caches and workflows, with a request log.
 *
 * Point Octokit at `url` with `baseUrl`. Code that calls `getOctokit(token)` without one (as
 * @actions/artifact's `findBy` does) uses GITHUB_API_URL as it was when @actions/github was first
 * imported in the process: set it before that import, or run the code in a child process.
 * The throttling plugin spaces writes 1 s apart (3 s for issues and comments) unless given its own
 * Bottleneck groups or `enabled: false`; the fake adds no delay of its own.
 */
export { startGitHubRest, type GitHubRest } from './server.ts';
export { MAX_BODY_CHARACTERS, MAX_TITLE_CHARACTERS } from './issues.ts';
export { DEFAULT_PERMISSIONS } from './types.ts';
export type {
  DispatchRecord,
  GitHubRestOptions,
  IssueView,
  LabelView,
  LoggedRequest,
  NewIssue,
  Permission,
  Permissions,
  RestFault,
  Scope,
  WorkflowDefinition,
  WorkflowView,
} from './types.ts';
