import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError } from '../errors.ts';

const LOCK_FILE = 'lock';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes the ledger folder for this process. Two runs writing one ledger would interleave their
 * journals; a lock left by a process that is gone (killed) is taken over.
 */
export async function acquireLock(dir: string): Promise<() => Promise<void>> {
  const file = join(dir, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      await writeFile(file, `${String(process.pid)}\n`, { flag: 'wx' });
      return () => rm(file, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number.parseInt(await readFile(file, 'utf8').catch(() => ''), 10);
      if (Number.isInteger(holder) && holder !== process.pid && isAlive(holder)) {
        throw new ConfigError(
          `another run (process ${String(holder)}) is using the ledger in ${dir}. ` +
            'Wait for it to finish, or stop it, then run again.',
        );
      }
      await rm(file, { force: true });
    }
  }
  throw new ConfigError(`could not lock the ledger in ${dir}; remove ${file} and run again.`);
}
