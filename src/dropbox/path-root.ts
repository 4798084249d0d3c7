import type { common } from 'dropbox';

/**
 * Team spaces. A member's calls are rooted at their home folder unless they carry
 * `Dropbox-API-Path-Root`; `{".tag": "root", "root": <root_namespace_id>}` roots them at the team
 * space, where the home is one folder (`home_path`) beside the team folders. Root mode also makes
 * Dropbox check that the id is still the user's root (HTTP 422 `invalid_root` if the account
 * changed teams). See https://www.dropbox.com/developers/reference/path-root-header-modes.
 */
export const PATH_ROOT_HEADER = 'Dropbox-API-Path-Root';

export interface TeamRoot {
  /** The header's value, or undefined when the root is the home (nothing to change). */
  readonly header: string | undefined;
  /** What a person should hear about it. */
  readonly note: string;
}

/**
 * The path root for `--team-root`, from `users/get_current_account`'s `root_info`. Decided by the
 * namespace ids, not the `.tag`: teams on Dropbox's newer team spaces answer `user` with a root
 * that differs from the home.
 */
export function teamRootOf(rootInfo: common.RootInfo & { home_path?: string }): TeamRoot {
  const root = rootInfo.root_namespace_id;
  if (root === rootInfo.home_namespace_id) {
    return {
      header: undefined,
      note:
        '--team-root: this Dropbox account has no team space (its root is its home folder); ' +
        'migrating the home folder, as without --team-root.',
    };
  }
  const home =
    rootInfo.home_path === undefined ? '' : ` (your home folder is ${rootInfo.home_path})`;
  return {
    header: JSON.stringify({ '.tag': 'root', root }),
    note: `--team-root: listing the team space, root namespace ${root}${home}.`,
  };
}

/**
 * A `fetch` that adds the path root to every Dropbox API call (`/2/…`), the SDK's RPCs and the
 * streaming downloads and exports alike, so no call can forget it. (The SDK's own `pathRoot`
 * option covers only the calls the SDK makes.) OAuth calls are left as they are.
 */
export function pathRootFetch(inner: typeof fetch, header: () => string | undefined): typeof fetch {
  return (input, init) => {
    const value = header();
    if (value === undefined) return inner(input, init);
    const url = new URL(input instanceof Request ? input.url : input.toString());
    if (!url.pathname.startsWith('/2/')) return inner(input, init);
    const headers = new Headers(init?.headers ?? (input instanceof Request ? input.headers : {}));
    headers.set(PATH_ROOT_HEADER, value);
    return inner(input, { ...init, headers });
  };
}
