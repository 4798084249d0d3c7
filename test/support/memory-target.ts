/**
 * A `Target` over an in-memory bucket, for engine rules that need no HTTP. It keeps the contract
 * S3Target keeps against the S3 harness (the shared suite in test/contract/target-contract.ts runs
 * against both): metadata round-trips through HEAD and GET; listings in UTF-8 byte order; multipart
 * uploads with quoted part ETags, ListParts, Complete checked as S3 checks it (order, ETags, parts
 * under the minimum size), unfinished uploads until completed or aborted; keys over the limit
 * refused as `key_too_long`; errors of the same kind and class as S3Target's.
 *
 * Faults: `inject({ on, path, after, times, fault })` (see faults.ts; `path` is the key). Calls
 * are recorded in `calls` with the clock's time.
 */
import { createHash, randomBytes } from 'node:crypto';
import { systemClock, type Clock } from '../../src/engine/clock.ts';
import type {
  CompletedPart,
  ObjectHead,
  ObjectMetadata,
  StoredBody,
  StoredObject,
  Target,
  TargetLimits,
  UnfinishedUpload,
} from '../../src/engine/target.ts';
import { permanent, retryable, type MigrationError } from '../../src/errors.ts';
import { S3_LIMITS } from '../../src/s3/limits.ts';
import { FaultPlan, sentBody, type Call, type FaultRule } from './faults.ts';

export type TargetMethod =
  | 'check'
  | 'head'
  | 'read'
  | 'list'
  | 'put'
  | 'createMultipart'
  | 'uploadPart'
  | 'completeMultipart'
  | 'abortMultipart'
  | 'listParts'
  | 'unfinishedUploads'
  | 'putStream'
  | 'delete';

/** An object in the bucket: its bytes as stored, and what it was written with. */
export interface MemoryObject {
  readonly body: Buffer;
  /** Undefined for the tool's own objects (putStream). */
  readonly metadata: ObjectMetadata | undefined;
  readonly contentType: string | undefined;
}

interface MemoryUpload {
  readonly key: string;
  readonly metadata: ObjectMetadata;
  readonly parts: Map<number, { readonly body: Buffer; readonly etag: string }>;
}

export interface MemoryTargetOptions {
  /** Default S3's (S3_LIMITS). */
  readonly limits?: TargetLimits;
  /** Time for delays and for `calls`. Default the system clock. */
  readonly clock?: Clock;
  /** Bytes per piece of a read body. Default 64 KiB. */
  readonly pieceBytes?: number;
}

export class MemoryTarget implements Target {
  readonly limits: TargetLimits;
  private readonly objects = new Map<string, MemoryObject>();
  private readonly uploads = new Map<string, MemoryUpload>();
  private readonly plan: FaultPlan<TargetMethod>;
  private readonly pieceBytes: number;

  constructor(options: MemoryTargetOptions = {}) {
    this.limits = options.limits ?? S3_LIMITS;
    this.pieceBytes = options.pieceBytes ?? 64 * 1024;
    this.plan = new FaultPlan(options.clock ?? systemClock, { caseless: false });
  }

  /** Every call so far, in order, with the clock's time. */
  get calls(): readonly Call<TargetMethod>[] {
    return this.plan.calls;
  }

  callsTo(method: TargetMethod): Call<TargetMethod>[] {
    return this.plan.callsTo(method);
  }

  inject(rule: FaultRule<TargetMethod>): void {
    this.plan.add(rule);
  }

  clearFaults(): void {
    this.plan.clear();
  }

  // --- The bucket, as a test looks into it ---

  object(key: string): MemoryObject | undefined {
    return this.objects.get(key);
  }

  /** Every key (under `prefix`), in S3's order. */
  keys(prefix = ''): string[] {
    return [...this.objects.keys()].filter((key) => key.startsWith(prefix)).sort(byUtf8);
  }

  /** Multipart uploads neither completed nor aborted, with their part numbers. */
  openUploads(): { key: string; uploadId: string; parts: number[] }[] {
    return [...this.uploads.entries()].map(([uploadId, upload]) => ({
      key: upload.key,
      uploadId,
      parts: [...upload.parts.keys()].sort((a, b) => a - b),
    }));
  }

  // --- Target ---

  async check(): Promise<void> {
    await this.plan.enter('check', undefined);
  }

  async head(key: string): Promise<ObjectHead | undefined> {
    await this.plan.enter('head', key);
    // A HEAD has no body to name the error: S3Target reads S3's 400 as an unknown refusal.
    if (this.tooLong(key)) throw permanent('unknown', `reading ${key}: S3 answered 400`);
    const object = this.objects.get(key);
    return object === undefined ? undefined : headOf(object);
  }

  async read(key: string, signal: AbortSignal): Promise<StoredBody | undefined> {
    const what = `reading ${key}`;
    if (isAborted(signal)) throw noAnswer(what);
    const faults = await this.plan.enter('read', key, signal);
    if (isAborted(signal)) throw noAnswer(what);
    this.refuseLongKey(key, what);
    const object = this.objects.get(key);
    if (object === undefined) return undefined;
    const body = sentBody(faults.damage(object.body), {
      pieceBytes: this.pieceBytes,
      cutAfter: faults.cutAfter,
      cutError: () => retryable('network', `${what}: the connection to S3 failed (ECONNRESET).`),
      signal,
      abortError: () => noAnswer(what),
    });
    return { head: headOf(object), body };
  }

  async *list(prefix: string): AsyncIterable<StoredObject> {
    await this.plan.enter('list', prefix);
    for (const key of this.keys(prefix)) {
      const object = this.objects.get(key);
      if (object !== undefined) yield { key, size: object.body.length };
    }
  }

  async put(
    key: string,
    body: Uint8Array,
    metadata: ObjectMetadata,
    signal: AbortSignal,
  ): Promise<void> {
    const what = `writing ${key}`;
    if (isAborted(signal)) throw noAnswer(what);
    await this.plan.enter('put', key, signal);
    this.refuseLongKey(key, what);
    if (isAborted(signal)) throw noAnswer(what);
    this.objects.set(key, { body: Buffer.copyBytesFrom(body), metadata, contentType: undefined });
  }

  async createMultipart(key: string, metadata: ObjectMetadata): Promise<string> {
    await this.plan.enter('createMultipart', key);
    this.refuseLongKey(key, `starting the upload of ${key}`);
    const uploadId = randomBytes(16).toString('hex');
    this.uploads.set(uploadId, { key, metadata, parts: new Map() });
    return uploadId;
  }

  async uploadPart(
    key: string,
    uploadId: string,
    partNumber: number,
    body: Uint8Array,
    signal: AbortSignal,
  ): Promise<string> {
    const what = `uploading part ${String(partNumber)} of ${key}`;
    if (isAborted(signal)) throw noAnswer(what);
    await this.plan.enter('uploadPart', key, signal, partNumber);
    if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > this.limits.maxParts) {
      throw permanent('unknown', `${what}: S3 answered InvalidArgument (HTTP 400)`);
    }
    if (body.length > this.limits.maxPartBytes) {
      throw permanent('unknown', `${what}: S3 answered EntityTooLarge (HTTP 400)`);
    }
    const upload = this.upload(key, uploadId, what);
    if (isAborted(signal)) throw noAnswer(what);
    const stored = Buffer.copyBytesFrom(body);
    const etag = `"${createHash('md5').update(stored).digest('hex')}"`;
    upload.parts.set(partNumber, { body: stored, etag });
    return etag;
  }

  async completeMultipart(
    key: string,
    uploadId: string,
    parts: readonly CompletedPart[],
  ): Promise<void> {
    const what = `completing the upload of ${key}`;
    await this.plan.enter('completeMultipart', key);
    const upload = this.upload(key, uploadId, what);
    const refused = (name: string): MigrationError =>
      permanent('unknown', `${what}: S3 answered ${name} (HTTP 400)`);
    if (parts.length === 0) throw refused('MalformedXML');
    const chosen = parts.map((part, index) => {
      const previous = parts[index - 1];
      if (previous !== undefined && part.partNumber <= previous.partNumber) {
        throw refused('InvalidPartOrder');
      }
      const stored = upload.parts.get(part.partNumber);
      if (stored === undefined || bare(stored.etag) !== bare(part.etag))
        throw refused('InvalidPart');
      return stored;
    });
    if (chosen.slice(0, -1).some((part) => part.body.length < this.limits.minPartBytes)) {
      throw refused('EntityTooSmall');
    }
    this.uploads.delete(uploadId);
    this.objects.set(key, {
      body: Buffer.concat(chosen.map((part) => part.body)),
      metadata: upload.metadata,
      contentType: undefined,
    });
  }

  async abortMultipart(key: string, uploadId: string): Promise<void> {
    await this.plan.enter('abortMultipart', key);
    // An upload that is already gone is not an error (S3Target ignores NoSuchUpload here).
    if (this.uploads.get(uploadId)?.key === key) this.uploads.delete(uploadId);
  }

  async listParts(key: string, uploadId: string): Promise<readonly CompletedPart[] | undefined> {
    await this.plan.enter('listParts', key);
    const upload = this.uploads.get(uploadId);
    if (upload?.key !== key) return undefined;
    return [...upload.parts.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([partNumber, part]) => ({ partNumber, etag: part.etag }));
  }

  async *unfinishedUploads(prefix: string): AsyncIterable<UnfinishedUpload> {
    await this.plan.enter('unfinishedUploads', prefix);
    const open = [...this.uploads.entries()]
      .filter(([, upload]) => upload.key.startsWith(prefix))
      .map(([uploadId, upload]) => ({ key: upload.key, uploadId }))
      .sort((a, b) => byUtf8(a.key, b.key) || byUtf8(a.uploadId, b.uploadId));
    yield* open;
  }

  async putStream(
    key: string,
    body: Iterable<Uint8Array> | AsyncIterable<Uint8Array>,
    contentType: string,
  ): Promise<void> {
    await this.plan.enter('putStream', key);
    this.refuseLongKey(key, `writing ${key}`);
    const pieces: Buffer[] = [];
    for await (const piece of body) pieces.push(Buffer.copyBytesFrom(piece));
    this.objects.set(key, { body: Buffer.concat(pieces), metadata: undefined, contentType });
  }

  async delete(key: string): Promise<void> {
    await this.plan.enter('delete', key);
    this.refuseLongKey(key, `deleting ${key}`);
    this.objects.delete(key);
  }

  // --- Inside ---

  /** The upload named, which must be of this key: else S3's NoSuchUpload, as S3Target reads it. */
  private upload(key: string, uploadId: string, what: string): MemoryUpload {
    const upload = this.uploads.get(uploadId);
    if (upload?.key === key) return upload;
    throw retryable(
      'upload_lost',
      `${what}: S3 answered NoSuchUpload (HTTP 404): the multipart upload is gone from S3 (aborted); the file starts over.`,
    );
  }

  private tooLong(key: string): boolean {
    return Buffer.byteLength(key, 'utf8') > this.limits.maxKeyBytes;
  }

  private refuseLongKey(key: string, what: string): void {
    if (!this.tooLong(key)) return;
    throw permanent(
      'key_too_long',
      `${what}: S3 answered KeyTooLongError (HTTP 400): the key is longer than ${this.limits.name} allows.`,
    );
  }
}

/** What HEAD and GET say, as S3Target reads it from the stored metadata. */
function headOf(object: MemoryObject): ObjectHead {
  const metadata = object.metadata;
  return {
    size: object.body.length,
    contentHash: metadata?.contentHash,
    rev: metadata?.rev,
    exportFormat: metadata?.exportFormat,
    sourceId: metadata?.sourceId,
    originalSize: metadata?.size,
    contentEncoding: metadata?.contentEncoding,
  };
}

/** Read through a call, so a check after an await is not taken for the one before it. */
function isAborted(signal: AbortSignal): boolean {
  return signal.aborted;
}

function noAnswer(what: string): MigrationError {
  return retryable('network', `${what}: no answer from S3 (AbortError: Request aborted)`);
}

function bare(etag: string): string {
  return etag.replaceAll('"', '');
}

/** S3 lists keys in the order of their UTF-8 bytes (not of JavaScript's UTF-16 code units). */
function byUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
