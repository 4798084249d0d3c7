/** What the contract tests of the real `dropbox` SDK against the emulator share. */
import { after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { DropboxResponseError } from 'dropbox';
import {
  startDropboxEmulator,
  type DropboxEmulator,
  type DropboxEmulatorOptions,
} from '../emulators/dropbox/index.ts';

const dirs: string[] = [];
after(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

/** An emulator serving a fresh folder holding `files` (paths may name subfolders). */
export async function emulatorWithFiles(
  t: { after: (fn: () => Promise<void>) => void },
  files: Record<string, string | Buffer>,
  options: Partial<DropboxEmulatorOptions> = {},
): Promise<{ emu: DropboxEmulator; root: string }> {
  const root = await mkdtemp(join(tmpdir(), 'dbx-contract-'));
  dirs.push(root);
  const entries = Object.entries(files);
  for (const folder of new Set(entries.map(([name]) => dirname(join(root, name))))) {
    await mkdir(folder, { recursive: true });
  }
  // Some at a time: thousands of files (a listing of more than one page) write in a fraction of the time.
  for (let start = 0; start < entries.length; start += 64) {
    await Promise.all(
      entries
        .slice(start, start + 64)
        .map(([name, content]) => writeFile(join(root, name), content)),
    );
  }
  const emu = await startDropboxEmulator({ root, warn: () => undefined, ...options });
  t.after(() => emu.close());
  return { emu, root };
}

export interface SdkFailure {
  status: number;
  headers: Headers;
  error: unknown;
}

/** The DropboxResponseError a call rejects with, as a caller would read it. */
export async function sdkFailure(call: Promise<unknown>): Promise<SdkFailure> {
  try {
    await call;
  } catch (error) {
    assert.ok(
      error instanceof DropboxResponseError,
      `expected DropboxResponseError, got ${String(error)}`,
    );
    return {
      status: error.status,
      headers: error.headers as Headers,
      error: error.error as unknown,
    };
  }
  assert.fail('the call should have failed');
}
