import * as cache from '@actions/cache';
import * as core from '@actions/core';
import { getOctokit } from '@actions/github';
import { rm } from 'node:fs/promises';
import type { Config } from '../../config/config.ts';
import { messageOf } from '../../errors.ts';
import {
  copyLedgerFiles,
  replaceLedgerFiles,
  type LedgerStore,
  type SavePhase,
} from '../../ledger/store.ts';
import { shardLabel } from '../../engine/shard.ts';
import { ownerAndRepo, runLabel, type StepContext } from '../context.ts';
import { ledgerEntryPrefix } from './names.ts';

/**
 * The ledger in the Actions cache. Entries are immutable, so every save has its own key (run,
 * attempt, phase); restore asks for the newest entry whose key starts with the shard's prefix.
 * The cache version hashes the literal path, so save and restore use one fixed relative path.
 */
export class CacheLedgerStore implements LedgerStore {
  readonly description = 'the Actions cache';
  private readonly prefix: string;
  private readonly staging: string;
  private readonly context: StepContext;
  private readonly token: string | undefined;

  constructor(config: Config, context: StepContext) {
    this.prefix = ledgerEntryPrefix(config);
    this.staging = `.dropbox-to-s3-cache/${shardLabel(config.shard)}`;
    this.context = context;
    this.token = config.action?.githubToken;
  }

  async restore(localDir: string): Promise<boolean> {
    await rm(this.staging, { recursive: true, force: true });
    const matched = await cache.restoreCache([this.staging], this.prefix, [this.prefix]);
    if (matched === undefined) return false;
    core.info(`Ledger restored from the cache entry ${matched}.`);
    await replaceLedgerFiles(this.staging, localDir);
    await rm(this.staging, { recursive: true, force: true });
    return true;
  }

  async save(localDir: string, phase: SavePhase): Promise<void> {
    await rm(this.staging, { recursive: true, force: true });
    const files = await copyLedgerFiles(localDir, this.staging);
    if (files.length === 0) return;
    const key = `${this.prefix}${runLabel(this.context)}-${phase}`;
    const id = await cache.saveCache([this.staging], key);
    await rm(this.staging, { recursive: true, force: true });
    // saveCache reports most failures as -1 (and a log line), not as an error.
    if (id === -1) {
      throw new Error(
        `the ledger could not be saved to the Actions cache (key ${key}); see the lines above. ` +
          'The next run reconciles against the bucket, so nothing is copied twice, but it lists everything again.',
      );
    }
    core.info(`Ledger saved to the cache as ${key}.`);
    await this.pruneOlder(key);
  }

  /** Deletes this shard's older entries; needs `actions: write`, and is only a note without it. */
  private async pruneOlder(kept: string): Promise<void> {
    if (this.token === undefined) return;
    try {
      const octokit = getOctokit(this.token);
      const { owner, repo } = ownerAndRepo(this.context);
      const listed = await octokit.rest.actions.getActionsCacheList({
        owner,
        repo,
        key: this.prefix,
        per_page: 100,
      });
      const older = listed.data.actions_caches.filter(
        (entry) => entry.key?.startsWith(this.prefix) === true && entry.key !== kept,
      );
      for (const entry of older) {
        if (entry.id === undefined) continue;
        await octokit.rest.actions.deleteActionsCacheById({ owner, repo, cache_id: entry.id });
      }
      if (older.length > 0)
        core.info(`Deleted ${String(older.length)} older ledger cache entries.`);
    } catch (error) {
      core.info(
        `Older ledger cache entries were not deleted (${messageOf(error)}); grant the job ` +
          '`actions: write` to prune them, or let GitHub evict them after 7 days unused.',
      );
    }
  }
}
