// The Source contract (source-contract.ts) against DropboxSource on the Dropbox emulator and
// against MemorySource, the in-memory fake the engine's unit tests use: both must pass it.
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { emulatorWithFiles } from '../support/dropbox-contract.ts';
import { LIST_LIMIT } from '../../src/dropbox/source.ts';
import { cut } from '../support/faults.ts';
import { MemorySource } from '../support/memory-source.ts';
import { emulatorSource } from '../support/testbed.ts';
import { sourceContract } from './source-contract.ts';

sourceContract('MemorySource', {
  // As DropboxSource, by default.
  pageSize: LIST_LIMIT,
  start: (_t, files) => {
    const source = new MemorySource({ files });
    const change =
      <A extends unknown[]>(apply: (...args: A) => void) =>
      (...args: A): Promise<void> => {
        apply(...args);
        return Promise.resolve();
      };
    return Promise.resolve({
      source,
      write: change((path: string, bytes: Uint8Array | string) => source.write(path, bytes)),
      mkdir: change((path: string) => {
        source.mkdir(path);
      }),
      remove: change((path: string) => {
        source.remove(path);
      }),
      move: change((from: string, to: string) => {
        source.move(from, to);
      }),
      resetCursors: () => {
        source.resetCursors();
      },
      cutDownloadsAfter: (bytes) => {
        source.inject({ on: 'open', fault: cut(bytes) });
      },
    });
  },
});

sourceContract('DropboxSource on the Dropbox emulator', {
  pageSize: LIST_LIMIT,
  start: async (t, files) => {
    const onDisk = Object.fromEntries(
      Object.entries(files).map(([path, bytes]) => [path.slice(1), Buffer.from(bytes)]),
    );
    const { emu, root } = await emulatorWithFiles(t, onDisk);
    const at = (path: string): string => join(root, path.slice(1));
    return {
      source: emulatorSource(emu),
      write: async (path, bytes) => {
        await mkdir(dirname(at(path)), { recursive: true });
        await writeFile(at(path), bytes);
      },
      mkdir: async (path) => {
        await mkdir(at(path), { recursive: true });
      },
      remove: (path) => rm(at(path), { recursive: true }),
      move: async (from, to) => {
        await mkdir(dirname(at(to)), { recursive: true });
        await rename(at(from), at(to));
      },
      resetCursors: () => {
        emu.invalidateCursors();
      },
      cutDownloadsAfter: (bytes) => {
        emu.setFaults({ cutAfterBytes: bytes });
      },
    };
  },
});
