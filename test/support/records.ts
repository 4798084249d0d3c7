import type { FailureClass } from '../../src/errors.ts';
import type { FileRecord, PinnedSettings } from '../../src/ledger/records.ts';

export const SETTINGS: PinnedSettings = {
  sourcePath: '',
  bucket: 'bucket',
  prefix: 'dropbox',
  keyCase: 'display',
  shard: '0/1',
};

/** A plausible pending record for file number `n`. */
export function fileRecord(n: number, overrides: Partial<FileRecord> = {}): FileRecord {
  const path = `/Folder/file-${String(n)}.txt`;
  return {
    id: `id:${String(n).padStart(8, '0')}`,
    path,
    pathLower: path.toLowerCase(),
    rev: `01${String(n).padStart(9, '0')}`,
    size: n,
    contentHash: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    serverModified: '2026-11-25T10:00:00Z',
    clientModified: '2026-11-25T10:00:00Z',
    key: `dropbox${path}`,
    status: 'pending',
    attempts: 0,
    ...overrides,
  };
}

/** A record of file number `n` at `path` that failed for good, of `failureClass`, for `reason`. */
export function failedRecord(
  n: number,
  failureClass: FailureClass,
  path: string,
  reason: string,
): FileRecord {
  return fileRecord(n, {
    path,
    pathLower: path.toLowerCase(),
    status: 'failed',
    attempts: 1,
    failure: { kind: 'permanent', failureClass, reason, at: '2026-11-25T10:00:00Z' },
  });
}
