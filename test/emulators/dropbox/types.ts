/** Shapes shared by the emulator's modules, and its public option and result types. */

/** `path_display` as Dropbox guarantees it (last component only) or as the disk has it. */
export type DisplayCase = 'exact' | 'lower-parents';

export interface ExportFormatInfo {
  /** The default format (`export_info.export_as`). */
  exportAs: string;
  /** Every format `files/export` accepts for this kind of file (`export_info.export_options`). */
  exportOptions: string[];
}

export interface Faults {
  /** Requests per second allowed for the whole account (all tokens, all routes); 0 = no limit. */
  rateLimitPerSecond: number;
  /** Bucket size of the per-account limit; defaults to one second's worth. */
  rateLimitBurst: number;
  /** Probability (0..1) that an authenticated request is answered 429 at random. */
  random429Rate: number;
  /** Probability (0..1) that an authenticated request is answered 500 at random. */
  random500Rate: number;
  /** `retry_after` for random 429s, in seconds. */
  retryAfterSeconds: number;
  /** Probability (0..1) that a download/export body is cut at a random byte. */
  cutProbability: number;
  /** Cut every download/export body after this many bytes (null = never). */
  cutAfterBytes: number | null;
  /**
   * Flip one byte of every export body while `export_metadata.export_hash` still names the right
   * bytes (a transfer damaged in transit; downloads are not affected).
   */
  corruptExports: boolean;
  /** Every export answers 409 `retry_error` ("the exportable content is not yet available"). */
  exportsNotReady: boolean;
  /** Delay added before every request is handled, in ms. */
  latencyMs: number;
  /** Bandwidth of each download/export body, in bytes per second (0 = no limit). */
  bytesPerSecond: number;
  /**
   * A RECURSIVE `list_folder` whose subtree holds more entries than this fails with HTTP 500
   * (as Dropbox does on huge trees); non-recursive listing keeps working. null = never.
   */
  recursiveListMaxEntries: number | null;
  /** Seed of the fault RNG, for reproducible random faults. */
  seed: number;
}

export interface AccountInfo {
  accountId: string;
  email: string;
  givenName: string;
  surname: string;
  country: string;
  locale: string;
  accountType: 'basic' | 'pro' | 'business';
  rootNamespaceId: string;
  homeNamespaceId: string;
}

/**
 * Which part of the tree a request sees, chosen by its `Dropbox-API-Path-Root` header: paths in
 * the request and in answers are relative to this folder. `prefix` is its lowercased path from the
 * top of the served folder ('' for the team root or a personal account, "/alice" for a member's
 * home in a team space).
 */
export interface View {
  prefix: string;
}

export interface DropboxEmulatorOptions {
  /** The folder served as the Dropbox account. */
  root: string;
  /** Port on 127.0.0.1; 0 (default) picks a free one. */
  port?: number;
  host?: string;
  appKey?: string;
  appSecret?: string;
  /** Refresh tokens that need the app secret to be refreshed. Default ["test-refresh-token"]. */
  refreshTokens?: string[];
  /** Refresh tokens from a PKCE flow: refreshable with the app key alone. Default ["test-pkce-refresh-token"]. */
  pkceRefreshTokens?: string[];
  /** Access tokens that never expire (for benchmarks and curl). Default none. */
  staticAccessTokens?: string[];
  /** Lifetime of issued access tokens. Default 14400 (4 h, as Dropbox). */
  tokenTtlSeconds?: number;
  /**
   * The scopes ticked on the app's Permissions tab: the most, and by default all, that a code
   * flow grants. Default account_info.read, files.content.read, files.metadata.read.
   */
  appScopes?: string[];
  faults?: Partial<Faults>;
  account?: Partial<AccountInfo>;
  displayCase?: DisplayCase;
  /** Export formats by lowercase file extension (without dot); replaces the defaults if given. */
  exportFormats?: Record<string, ExportFormatInfo>;
  /**
   * Makes the folder a team space: the folder is the team's root namespace and this subfolder of
   * it (one name, e.g. "Alice", created if missing) is the member's home. Without a
   * `Dropbox-API-Path-Root` header the API sees only the home (as Dropbox does); with
   * `{".tag": "root", "root": <root namespace id>}` it sees the whole root, the home as "/Alice".
   * `users/get_current_account` then answers a `team` root_info. Unset: a personal account,
   * root = home.
   */
  teamHome?: string;
  /** Page size when `list_folder` gets no `limit`. Default 500. */
  defaultListLimit?: number;
  /** Where warnings (case twins, bad names) go. Default: process.stderr. */
  warn?: (message: string) => void;
  /** Print one line per request (never tokens or query strings). Default false. */
  logRequests?: boolean;
}

export interface EmulatorStats {
  /** Requests per route, e.g. "files/list_folder", "oauth2/token", "__stats" excluded. */
  requests: Record<string, number>;
  totalRequests: number;
  /** 429 answers (rate limit and random). */
  rateLimited: number;
  /** 500 answers (random and recursive-list faults). */
  serverErrors: number;
  /** 401 answers. */
  unauthorized: number;
  /** Download/export bodies cut on purpose. */
  cuts: number;
  /** Body bytes of downloads and exports written to sockets. */
  bytesServed: number;
  /** Successful `grant_type=refresh_token` calls. */
  tokenRefreshes: number;
  /** Successful `grant_type=authorization_code` calls. */
  codeExchanges: number;
  /** Full scans of the folder. */
  scans: number;
  /** Files whose content hash had to be computed (not served from the cache). */
  filesHashed: number;
}

/** One file or folder as the emulator knows it after a scan. */
export interface Node {
  kind: 'file' | 'folder';
  name: string;
  /** Lowercased full path, "/a/b.txt". */
  pathLower: string;
  /** Full path in the case found on disk. */
  pathExact: string;
  /** Absolute path on disk. */
  diskPath: string;
  id: string;
  /** Files only. */
  rev: string;
  size: number;
  contentHash: string;
  mtimeMs: number;
}
