import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { shardLabel, type Shard } from '../engine/shard.ts';
import {
  ledgerFilesIn,
  replaceLedgerFiles,
  type LedgerStore,
  type SavePhase,
} from '../ledger/store.ts';
import { classifyS3Error } from './errors.ts';
import type { S3Settings } from './settings.ts';

const POINTER = 'current.json';

/** Where the ledger objects go and how they are encrypted: the migration's own bucket settings. */
export type LedgerBucket = Pick<
  S3Settings,
  'bucket' | 'prefix' | 'toolPrefix' | 'sse' | 'sseKmsKeyId'
>;

interface Pointer {
  readonly generation: string;
  readonly files: string[];
  readonly savedAt: string;
  readonly phase: SavePhase;
}

/** `<tool prefix><prefix>/ledger/shard-<i>-of-<n>/`: beside the manifest, never migrated over. */
export function ledgerStorePrefix(toolPrefix: string, prefix: string, shard: Shard): string {
  const scope = prefix === '' ? '' : `${prefix}/`;
  return `${toolPrefix}${scope}ledger/${shardLabel(shard)}/`;
}

/**
 * The ledger as objects in the bucket: each save writes its files under a new generation, then
 * the small `current.json` that names it, so a save cut off half-way leaves the previous ledger
 * whole. Older generations are deleted after the pointer moves. Durable, unlike caches and
 * artifacts, and needs no GitHub permission; the bucket policy must allow the tool prefix.
 */
export class S3LedgerStore implements LedgerStore {
  readonly description: string;
  private readonly client: S3Client;
  private readonly s3: LedgerBucket;
  private readonly base: string;

  constructor(client: S3Client, s3: LedgerBucket, shard: Shard) {
    this.client = client;
    this.s3 = s3;
    this.base = ledgerStorePrefix(s3.toolPrefix, s3.prefix, shard);
    this.description = `S3 (s3://${s3.bucket}/${this.base})`;
  }

  async restore(localDir: string): Promise<boolean> {
    const pointer = await this.readPointer();
    if (pointer === undefined) return false;
    await mkdir(localDir, { recursive: true });
    const incoming = join(localDir, `.restore-${randomUUID()}`);
    await mkdir(incoming);
    try {
      for (const name of pointer.files) {
        const key = `${this.base}${pointer.generation}/${name}`;
        const body = await this.get(key, `restoring the ledger from s3://${this.s3.bucket}/${key}`);
        if (body === undefined) {
          throw classifyS3Error(
            new Error(`the ledger object ${key} named by ${POINTER} is missing`),
            'restoring the ledger',
            this.s3.bucket,
          );
        }
        await pipeline(body, createWriteStream(join(incoming, name)));
      }
      await replaceLedgerFiles(incoming, localDir);
    } finally {
      await rm(incoming, { recursive: true, force: true });
    }
    return true;
  }

  async save(localDir: string, phase: SavePhase): Promise<void> {
    const files = await ledgerFilesIn(localDir);
    if (files.length === 0) return;
    const generation = `${new Date().toISOString().replace(/[:.]/g, '-')}-${phase}-${randomUUID().slice(0, 8)}`;
    const what = `saving the ledger to s3://${this.s3.bucket}/${this.base}`;
    for (const name of files) {
      const file = join(localDir, name);
      const { size } = await stat(file);
      const key = `${this.base}${generation}/${name}`;
      await this.put(key, { body: createReadStream(file), size }, what);
    }
    const pointer: Pointer = { generation, files, savedAt: new Date().toISOString(), phase };
    const text = JSON.stringify(pointer);
    await this.put(`${this.base}${POINTER}`, { body: text, size: Buffer.byteLength(text) }, what);
    await this.deleteOtherGenerations(generation);
  }

  private async readPointer(): Promise<Pointer | undefined> {
    const key = `${this.base}${POINTER}`;
    const body = await this.get(key, `reading s3://${this.s3.bucket}/${key}`);
    if (body === undefined) return undefined;
    const chunks: Buffer[] = [];
    for await (const chunk of body) chunks.push(Buffer.from(chunk as Uint8Array));
    const parsed = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Partial<Pointer>;
    if (typeof parsed.generation !== 'string' || !Array.isArray(parsed.files)) {
      throw new Error(
        `s3://${this.s3.bucket}/${key} is not a ledger pointer; delete it to start the ledger over.`,
      );
    }
    return parsed as Pointer;
  }

  private async get(key: string, what: string): Promise<Readable | undefined> {
    try {
      const result = await this.client.send(
        new GetObjectCommand({ Bucket: this.s3.bucket, Key: key }),
      );
      return result.Body as Readable;
    } catch (error) {
      if (error instanceof NoSuchKey || (error as { name?: string }).name === 'NoSuchKey')
        return undefined;
      throw classifyS3Error(error, what, this.s3.bucket);
    }
  }

  private async put(
    key: string,
    { body, size }: { readonly body: string | Readable; readonly size: number },
    what: string,
  ): Promise<void> {
    try {
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.s3.bucket,
          Key: key,
          Body: body,
          ContentLength: size,
          ContentType: 'application/x-ndjson',
          ...(this.s3.sse === undefined ? {} : { ServerSideEncryption: this.s3.sse }),
          ...(this.s3.sseKmsKeyId === undefined ? {} : { SSEKMSKeyId: this.s3.sseKmsKeyId }),
        }),
      );
    } catch (error) {
      throw classifyS3Error(error, what, this.s3.bucket);
    }
  }

  /** Deletes what earlier saves left; a failure here only costs storage, so it is not an error. */
  private async deleteOtherGenerations(keep: string): Promise<void> {
    try {
      let token: string | undefined;
      do {
        const page = await this.client.send(
          new ListObjectsV2Command({
            Bucket: this.s3.bucket,
            Prefix: this.base,
            ContinuationToken: token,
          }),
        );
        const stale = (page.Contents ?? [])
          .map((object) => object.Key ?? '')
          .filter(
            (key) =>
              key !== '' &&
              key !== `${this.base}${POINTER}` &&
              !key.startsWith(`${this.base}${keep}/`),
          );
        if (stale.length > 0) {
          await this.client.send(
            new DeleteObjectsCommand({
              Bucket: this.s3.bucket,
              Delete: { Objects: stale.map((Key) => ({ Key })), Quiet: true },
            }),
          );
        }
        token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
      } while (token !== undefined);
    } catch {
      // Left for the next save to delete.
    }
  }
}
