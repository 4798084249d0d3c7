/**
 * A tiny in-memory ActionsState for tests of the REST fake alone (the Actions runtime emulator is
 * the real producer of caches and artifacts; this lets the REST side be tested without it).
 */
import type {
  ActionsState,
  ArtifactInfo,
  CacheEntryInfo,
} from '../emulators/github/actions-state.ts';

export interface MemoryActionsState extends ActionsState {
  addCache(entry: {
    key: string;
    ref?: string;
    sizeBytes?: number;
    createdAt?: string;
    lastAccessedAt?: string;
  }): CacheEntryInfo;
  addArtifact(entry: {
    name: string;
    runId: number;
    bytes: Buffer;
    createdAt?: string;
    expiresAt?: string;
  }): ArtifactInfo;
}

export function memoryActionsState(): MemoryActionsState {
  const caches = new Map<number, CacheEntryInfo>();
  const artifacts = new Map<number, { info: ArtifactInfo; bytes: Buffer }>();
  let nextId = 1;
  return {
    listCaches: () => [...caches.values()],
    deleteCache: (id) => caches.delete(id),
    listArtifacts: () => [...artifacts.values()].map((a) => a.info),
    artifactBytes: (id) => artifacts.get(id)?.bytes,
    deleteArtifact: (id) => artifacts.delete(id),
    addCache(entry) {
      const now = new Date().toISOString();
      const info: CacheEntryInfo = {
        id: nextId++,
        key: entry.key,
        version: 'a'.repeat(64),
        ref: entry.ref ?? 'refs/heads/main',
        sizeBytes: entry.sizeBytes ?? 1024,
        createdAt: entry.createdAt ?? now,
        lastAccessedAt: entry.lastAccessedAt ?? entry.createdAt ?? now,
      };
      caches.set(info.id, info);
      return info;
    },
    addArtifact(entry) {
      const created = entry.createdAt ?? new Date().toISOString();
      const info: ArtifactInfo = {
        id: nextId++,
        name: entry.name,
        runId: entry.runId,
        sizeBytes: entry.bytes.length,
        createdAt: created,
        expiresAt: entry.expiresAt ?? new Date(Date.parse(created) + 90 * 86_400_000).toISOString(),
      };
      artifacts.set(info.id, { info, bytes: entry.bytes });
      return info;
    },
  };
}
