/** The one repository the fake serves, and the URLs and actor GitHub would put in its answers. */

export interface Site {
  /** Where the fake listens, e.g. `http://127.0.0.1:PORT` (Octokit's `baseUrl`). */
  readonly baseUrl: string;
  readonly owner: string;
  readonly repo: string;
  readonly repoId: number;
  readonly defaultBranch: string;
}

export function repoApi(site: Site, path = ''): string {
  return `${site.baseUrl}/repos/${site.owner}/${site.repo}${path}`;
}

export function repoHtml(site: Site, path = ''): string {
  return `https://github.com/${site.owner}/${site.repo}${path}`;
}

/** GitHub's timestamps have whole seconds: `2026-11-26T02:44:13Z`. */
export function timestamp(date: Date = new Date()): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The GITHUB_TOKEN acts as this bot; issues and comments it creates carry it as `user`. */
export const ACTIONS_BOT = 'github-actions[bot]';

export function userJson(login: string): Record<string, unknown> {
  const bot = login.endsWith('[bot]');
  return {
    login,
    id: bot ? 41898282 : 583231,
    node_id: bot ? 'MDM6Qm90NDE4OTgyODI=' : 'MDQ6VXNlcjU4MzIzMQ==',
    avatar_url: 'https://avatars.githubusercontent.com/in/15368?v=4',
    gravatar_id: '',
    url: `https://api.github.com/users/${encodeURIComponent(login)}`,
    html_url: bot ? 'https://github.com/apps/github-actions' : `https://github.com/${login}`,
    type: bot ? 'Bot' : 'User',
    site_admin: false,
  };
}

export function nodeId(prefix: string, id: number): string {
  return `${prefix}_${Buffer.from(`fake:${id}`).toString('base64url')}`;
}
