/** The GitHub REST fake: issues, labels, comments, artifacts, caches and workflows, with a request log. */
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
