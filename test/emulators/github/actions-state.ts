/**
 * What the Actions runtime emulator (cache and artifact services) and the REST fake share: the
 * repository's caches and artifacts. The runtime emulator creates them the way the toolkit does
 * (Twirp RPCs and signed blob URLs); the REST fake lists, downloads and deletes them the way
 * Octokit does (`/repos/{owner}/{repo}/actions/caches`, `/actions/artifacts`, …).
 */
export interface CacheEntryInfo {
  readonly id: number;
  readonly key: string;
  readonly version: string;
  /** The git ref the entry belongs to (`refs/heads/main`); restores see their branch and the default. */
  readonly ref: string;
  readonly sizeBytes: number;
  readonly createdAt: string;
  readonly lastAccessedAt: string;
}

export interface ArtifactInfo {
  readonly id: number;
  readonly name: string;
  /** The workflow run that uploaded it. */
  readonly runId: number;
  readonly sizeBytes: number;
  readonly createdAt: string;
  readonly expiresAt: string;
}

export interface ActionsState {
  listCaches(): readonly CacheEntryInfo[];
  /** False when there is no such entry. */
  deleteCache(id: number): boolean;
  listArtifacts(): readonly ArtifactInfo[];
  /** The artifact's bytes as stored (a zip for artifacts uploaded by @actions/artifact 2+). */
  artifactBytes(id: number): Buffer | undefined;
  deleteArtifact(id: number): boolean;
}
