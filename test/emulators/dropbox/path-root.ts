import { ApiError, badRequest } from './errors.ts';
import type { AccountInfo, View } from './types.ts';

/**
 * The `Dropbox-API-Path-Root` header (https://www.dropbox.com/developers/reference/path-root-header-modes,
 * and `common.PathRoot` / `PathRootError` in Dropbox's API spec):
 * - absent or `{".tag": "home"}`: paths are relative to the member's home namespace;
 * - `{".tag": "root", "root": id}`: relative to the user's root namespace; an id that is not the
 *   root namespace id from `users/get_current_account` is HTTP 422 `invalid_root`, whose value is
 *   the user's current root info;
 * - `{".tag": "namespace_id", "namespace_id": id}`: relative to that namespace; one the user
 *   cannot reach is HTTP 422 `no_permission`. The emulator knows two namespaces: root and home.
 */
export class PathRoots {
  readonly home: View;
  readonly root: View = { prefix: '' };
  private readonly info: AccountInfo;
  /** The home folder's name in the team root, when the account is a team space. */
  private readonly homeName: string | undefined;

  constructor(info: AccountInfo, homeName: string | undefined) {
    this.info = info;
    this.homeName = homeName;
    this.home = { prefix: homeName === undefined ? '' : `/${homeName.toLowerCase()}` };
  }

  get isTeamSpace(): boolean {
    return this.homeName !== undefined;
  }

  /** `root_info` of `users/get_current_account` (and of an `invalid_root` error). */
  rootInfo(): Record<string, unknown> {
    const ids = {
      root_namespace_id: this.info.rootNamespaceId,
      home_namespace_id: this.info.homeNamespaceId,
    };
    if (this.homeName === undefined) return { '.tag': 'user', ...ids };
    return { '.tag': 'team', ...ids, home_path: `/${this.homeName}` };
  }

  /** The view a request's header asks for; a malformed header is a 400, a wrong namespace a 422. */
  viewFor(route: string, header: string | string[] | undefined): View {
    if (header === undefined) return this.home;
    const where = 'Invalid value in HTTP header "Dropbox-API-Path-Root"';
    let value: unknown;
    try {
      value = JSON.parse(Array.isArray(header) ? (header[0] ?? '') : header);
    } catch {
      throw badRequest(route, `${where}: could not decode input as JSON`);
    }
    const root =
      typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
    const tag = root['.tag'];
    if (tag === 'home') return this.home;
    if (tag === 'root' && typeof root.root === 'string') {
      if (root.root !== this.info.rootNamespaceId) {
        throw pathRootError('invalid_root', { invalid_root: this.rootInfo() });
      }
      return this.root;
    }
    if (tag === 'namespace_id' && typeof root.namespace_id === 'string') {
      if (root.namespace_id === this.info.rootNamespaceId) return this.root;
      if (root.namespace_id === this.info.homeNamespaceId) return this.home;
      throw pathRootError('no_permission', {});
    }
    throw badRequest(route, `${where}: unknown or incomplete path root ${JSON.stringify(value)}`);
  }

  /** The internal (top-of-folder) path an `ns:<id>` path prefix stands for, or null if unknown. */
  namespacePrefix(id: string): string | null {
    if (id === this.info.rootNamespaceId) return this.root.prefix;
    if (id === this.info.homeNamespaceId) return this.home.prefix;
    return null;
  }
}

function pathRootError(tag: string, value: Record<string, unknown>): ApiError {
  const body = { error_summary: `${tag}/..`, error: { '.tag': tag, ...value } };
  return new ApiError(422, 'application/json', JSON.stringify(body));
}
