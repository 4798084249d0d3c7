import { DefaultArtifactClient } from '@actions/artifact';
import * as core from '@actions/core';
import { getOctokit } from '@actions/github';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Config } from '../../config/config.ts';
import { messageOf } from '../../errors.ts';
import {
  ledgerFilesIn,
  replaceLedgerFiles,
  type LedgerStore,
  type SavePhase,
} from '../../ledger/store.ts';
import { ownerAndRepo, runLabel, type StepContext } from '../context.ts';
import { ledgerEntryPrefix } from './names.ts';

/** Pages of the repository's artifact list searched for the newest ledger (100 a page). */
const PAGES_SEARCHED = 10;

interface FoundArtifact {
  readonly id: number;
  readonly name: string;
  readonly runId: number;
}

/**
 * The ledger as a workflow artifact. Artifacts are immutable and their names unique within a
 * run, so each save is named for its attempt and phase; the next run finds the newest one of the
 * shard through the REST API (a token with `actions: read`) and downloads it from that run.
 */
export class ArtifactLedgerStore implements LedgerStore {
  readonly description = 'a workflow artifact';
  private readonly prefix: string;
  private readonly context: StepContext;
  private readonly token: string | undefined;
  private readonly client = new DefaultArtifactClient();

  constructor(config: Config, context: StepContext) {
    this.prefix = ledgerEntryPrefix(config);
    this.context = context;
    this.token = config.action?.githubToken;
  }

  async restore(localDir: string): Promise<boolean> {
    const token = this.requireToken();
    let found: FoundArtifact | undefined;
    try {
      found = await this.newest(token);
    } catch (error) {
      throw new Error(
        `could not list the repository's artifacts to find the last ledger (${messageOf(error)}); ` +
          'give the job `actions: read` (and github-token a token that has it).',
        { cause: error },
      );
    }
    if (found === undefined) return false;
    const { owner, repo } = ownerAndRepo(this.context);
    const incoming = await mkdtemp(join(tmpdir(), 'dropbox-to-s3-ledger-'));
    try {
      await this.client.downloadArtifact(found.id, {
        path: incoming,
        findBy: {
          token,
          workflowRunId: found.runId,
          repositoryOwner: owner,
          repositoryName: repo,
        },
      });
      await replaceLedgerFiles(incoming, localDir);
    } finally {
      await rm(incoming, { recursive: true, force: true });
    }
    core.info(`Ledger restored from the artifact ${found.name} of run ${String(found.runId)}.`);
    return true;
  }

  async save(localDir: string, phase: SavePhase): Promise<void> {
    const files = await ledgerFilesIn(localDir);
    if (files.length === 0) return;
    const name = `${this.prefix}${runLabel(this.context)}-${phase}`;
    const uploaded = await this.client.uploadArtifact(
      name,
      files.map((file) => join(localDir, file)),
      localDir,
    );
    if (uploaded.id === undefined) {
      throw new Error(`the ledger artifact ${name} was not uploaded; see the lines above.`);
    }
    core.info(`Ledger saved as the artifact ${name}.`);
  }

  private requireToken(): string {
    if (this.token === undefined) {
      throw new Error(
        'ledger-store artifact needs github-token (with `actions: read`) to find the last run’s ledger.',
      );
    }
    return this.token;
  }

  /** The newest unexpired artifact of this shard, across runs (the API lists newest first). */
  private async newest(token: string): Promise<FoundArtifact | undefined> {
    const octokit = getOctokit(token);
    const { owner, repo } = ownerAndRepo(this.context);
    for (let page = 1; page <= PAGES_SEARCHED; page += 1) {
      const listed = await octokit.rest.actions.listArtifactsForRepo({
        owner,
        repo,
        per_page: 100,
        page,
      });
      const mine = listed.data.artifacts
        .filter((artifact) => artifact.name.startsWith(this.prefix) && !artifact.expired)
        .sort((a, b) => (b.created_at ?? '').localeCompare(a.created_at ?? '') || b.id - a.id);
      const first = mine[0];
      if (first !== undefined) {
        return { id: first.id, name: first.name, runId: first.workflow_run?.id ?? 0 };
      }
      if (listed.data.artifacts.length < 100) return undefined;
    }
    return undefined;
  }
}
