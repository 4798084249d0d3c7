import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListPartsCommand,
  paginateListObjectsV2,
  PutObjectCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { lookup as mimeLookup } from 'mime-types';
import type {
  CompletedPart,
  ObjectHead,
  ObjectMetadata,
  StoredBody,
  StoredObject,
  Target,
  UnfinishedUpload,
} from '../engine/target.ts';
import { fatal } from '../errors.ts';
import { applyExpectedBucketOwner } from './bucket-owner.ts';
import { s3ClientFor } from './client.ts';
import type { SseMode } from './encryption.ts';
import { classifyS3Error, httpStatusOf } from './errors.ts';
import { listedKeyDecoder } from './listed-keys.ts';
import { S3_LIMITS } from './limits.ts';
import type { S3Settings } from './settings.ts';
import type { StorageClass } from './storage-classes.ts';

/** Part size for the tool's own streamed objects; one part is buffered at a time. */
const STREAM_PART_SIZE = 8 * 1024 * 1024;

/** User-metadata names (S3 adds the x-amz-meta- prefix). rclone reads `mtime`. */
const META = {
  contentHash: 'dropbox-content-hash',
  id: 'dropbox-id',
  rev: 'dropbox-rev',
  size: 'dropbox-size',
  exportFormat: 'dropbox-export-format',
  mtime: 'mtime',
} as const;

/** What HEAD and GET both say about an object. */
function objectHead(result: {
  ContentLength?: number | undefined;
  ContentEncoding?: string | undefined;
  Metadata?: Record<string, string> | undefined;
}): ObjectHead {
  const metadata = result.Metadata ?? {};
  const original = metadata[META.size] ?? '';
  return {
    size: result.ContentLength ?? 0,
    contentHash: metadata[META.contentHash],
    rev: metadata[META.rev],
    exportFormat: metadata[META.exportFormat],
    sourceId: metadata[META.id],
    originalSize: /^\d{1,15}$/.test(original) ? Number(original) : undefined,
    contentEncoding:
      result.ContentEncoding === undefined || result.ContentEncoding === ''
        ? undefined
        : result.ContentEncoding.toLowerCase(),
  };
}

/** S3 (or a compatible store) as a `Target`. */
export class S3Target implements Target {
  readonly limits = S3_LIMITS;
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly storageClass: StorageClass;
  /** --sse and --sse-kms-key-id, for PutObject and CreateMultipartUpload (parts inherit them). */
  private readonly encryption: {
    ServerSideEncryption?: SseMode;
    SSEKMSKeyId?: string;
  };
  /** The tag our lifecycle rule finds migrated objects by, when a prefix cannot (`S3Settings.tagging`). */
  private readonly tagging: string | undefined;

  constructor(s3: S3Settings, client: S3Client = s3ClientFor(s3)) {
    this.client = client;
    this.bucket = s3.bucket;
    this.storageClass = s3.storageClass;
    this.tagging = s3.tagging;
    this.encryption = {
      ...(s3.sse === undefined ? {} : { ServerSideEncryption: s3.sse }),
      ...(s3.sseKmsKeyId === undefined ? {} : { SSEKMSKeyId: s3.sseKmsKeyId }),
    };
    applyExpectedBucketOwner(client, s3);
  }

  async check(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
    } catch (error) {
      const status = httpStatusOf(error);
      // HeadBucket has no body, so a missing bucket is just a 404.
      if (status === 404) {
        throw classifyS3Error(
          Object.assign(new Error('NoSuchBucket'), { name: 'NoSuchBucket' }),
          'checking the bucket',
          this.bucket,
        );
      }
      if (status === 403) {
        throw classifyS3Error(
          Object.assign(new Error('AccessDenied'), { name: 'AccessDenied' }),
          'checking the bucket',
          this.bucket,
        );
      }
      const classified = classifyS3Error(error, 'checking the bucket', this.bucket);
      if (classified.kind !== 'retryable') throw classified;
      // The SDK already retried: a chunk that cannot reach S3 at its start has nothing to do.
      throw fatal(
        'service_down',
        `S3 is not answering (${classified.message}); this chunk stops before any work. ` +
          'Check --s3-endpoint, --region and the network, then run again.',
        { cause: error },
      );
    }
  }

  async head(key: string): Promise<ObjectHead | undefined> {
    try {
      const result = await this.client.send(
        new HeadObjectCommand({ Bucket: this.bucket, Key: key }),
      );
      return objectHead(result);
    } catch (error) {
      const status = httpStatusOf(error);
      if (status === 404) return undefined;
      throw classifyS3Error(error, `reading ${key}`, this.bucket);
    }
  }

  async read(key: string, signal: AbortSignal): Promise<StoredBody | undefined> {
    const what = `reading ${key}`;
    let result;
    try {
      result = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }), {
        abortSignal: signal,
      });
    } catch (error) {
      const status = httpStatusOf(error);
      if (status === 404) return undefined;
      throw classifyS3Error(error, what, this.bucket);
    }
    const body = result.Body as AsyncIterable<Uint8Array> | undefined;
    const bucket = this.bucket;
    // A connection cut mid-body surfaces while iterating: classify it like any other S3 error.
    async function* classified(): AsyncGenerator<Uint8Array> {
      if (body === undefined) return;
      try {
        yield* body;
      } catch (error) {
        throw classifyS3Error(error, what, bucket);
      }
    }
    return { head: objectHead(result), body: classified() };
  }

  async *list(prefix: string): AsyncIterable<StoredObject> {
    try {
      const pages = paginateListObjectsV2(
        { client: this.client, pageSize: 1000 },
        // XML 1.0 cannot carry every character a key may hold (a CR in a name comes back as LF,
        // most other control characters not at all): keys come URL-encoded instead.
        { Bucket: this.bucket, Prefix: prefix, EncodingType: 'url' },
      );
      for await (const page of pages) {
        const decode = listedKeyDecoder(page.EncodingType);
        for (const item of page.Contents ?? []) {
          if (item.Key !== undefined) yield { key: decode(item.Key), size: item.Size ?? 0 };
        }
      }
    } catch (error) {
      throw classifyS3Error(error, `listing ${prefix || 'the bucket'}`, this.bucket);
    }
  }

  async put(
    key: string,
    body: Uint8Array,
    metadata: ObjectMetadata,
    signal: AbortSignal,
  ): Promise<void> {
    try {
      await this.client.send(
        new PutObjectCommand({
          ...this.objectFields(key, metadata),
          Body: body,
          ContentLength: body.length,
          // S3 checks the bytes it received against this, so a damaged request fails.
          ContentMD5: createHash('md5').update(body).digest('base64'),
        }),
        { abortSignal: signal },
      );
    } catch (error) {
      throw classifyS3Error(error, `writing ${key}`, this.bucket);
    }
  }

  async createMultipart(key: string, metadata: ObjectMetadata): Promise<string> {
    try {
      const result = await this.client.send(
        new CreateMultipartUploadCommand(this.objectFields(key, metadata)),
      );
      if (result.UploadId === undefined) throw new Error('S3 returned no upload id');
      return result.UploadId;
    } catch (error) {
      throw classifyS3Error(error, `starting the upload of ${key}`, this.bucket);
    }
  }

  async uploadPart(
    key: string,
    uploadId: string,
    partNumber: number,
    body: Uint8Array,
    signal: AbortSignal,
  ): Promise<string> {
    try {
      const result = await this.client.send(
        new UploadPartCommand({
          Bucket: this.bucket,
          Key: key,
          UploadId: uploadId,
          PartNumber: partNumber,
          Body: body,
          ContentLength: body.length,
          ContentMD5: createHash('md5').update(body).digest('base64'),
        }),
        { abortSignal: signal },
      );
      if (result.ETag === undefined) throw new Error('S3 returned no ETag for the part');
      return result.ETag;
    } catch (error) {
      throw classifyS3Error(error, `uploading part ${String(partNumber)} of ${key}`, this.bucket);
    }
  }

  async completeMultipart(
    key: string,
    uploadId: string,
    parts: readonly CompletedPart[],
  ): Promise<void> {
    try {
      await this.client.send(
        new CompleteMultipartUploadCommand({
          Bucket: this.bucket,
          Key: key,
          UploadId: uploadId,
          MultipartUpload: {
            Parts: parts.map((part) => ({ PartNumber: part.partNumber, ETag: part.etag })),
          },
        }),
      );
    } catch (error) {
      throw classifyS3Error(error, `completing the upload of ${key}`, this.bucket);
    }
  }

  async abortMultipart(key: string, uploadId: string): Promise<void> {
    try {
      await this.client.send(
        new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: key, UploadId: uploadId }),
      );
    } catch (error) {
      const status = httpStatusOf(error);
      if (status === 404) return; // already gone
      throw classifyS3Error(error, `aborting the upload of ${key}`, this.bucket);
    }
  }

  async listParts(key: string, uploadId: string): Promise<readonly CompletedPart[] | undefined> {
    const parts: CompletedPart[] = [];
    let marker: string | undefined;
    for (;;) {
      let page;
      try {
        page = await this.client.send(
          new ListPartsCommand({
            Bucket: this.bucket,
            Key: key,
            UploadId: uploadId,
            PartNumberMarker: marker,
          }),
        );
      } catch (error) {
        const status = httpStatusOf(error);
        if (status === 404) return undefined; // NoSuchUpload: completed, aborted or expired
        throw classifyS3Error(error, `listing the parts of ${key}`, this.bucket);
      }
      for (const part of page.Parts ?? []) {
        if (part.PartNumber === undefined || part.ETag === undefined) continue;
        parts.push({ partNumber: part.PartNumber, etag: part.ETag });
      }
      if (page.IsTruncated !== true) return parts;
      marker = page.NextPartNumberMarker;
    }
  }

  async *unfinishedUploads(prefix: string): AsyncIterable<UnfinishedUpload> {
    let keyMarker: string | undefined;
    let uploadIdMarker: string | undefined;
    for (;;) {
      let page;
      try {
        page = await this.client.send(
          new ListMultipartUploadsCommand({
            Bucket: this.bucket,
            Prefix: prefix,
            KeyMarker: keyMarker,
            UploadIdMarker: uploadIdMarker,
            EncodingType: 'url',
          }),
        );
      } catch (error) {
        throw classifyS3Error(
          error,
          `listing unfinished uploads under ${prefix || 'the bucket'}`,
          this.bucket,
        );
      }
      const decode = listedKeyDecoder(page.EncodingType);
      for (const upload of page.Uploads ?? []) {
        if (upload.Key === undefined || upload.UploadId === undefined) continue;
        yield { key: decode(upload.Key), uploadId: upload.UploadId };
      }
      if (page.IsTruncated !== true) return;
      keyMarker = page.NextKeyMarker === undefined ? undefined : decode(page.NextKeyMarker);
      uploadIdMarker = page.NextUploadIdMarker;
    }
  }

  async putStream(
    key: string,
    body: Iterable<Uint8Array> | AsyncIterable<Uint8Array>,
    contentType: string,
  ): Promise<void> {
    const upload = new Upload({
      client: this.client,
      params: {
        Bucket: this.bucket,
        Key: key,
        Body: Readable.from(body),
        ContentType: contentType,
        ...this.encryption,
      },
      partSize: STREAM_PART_SIZE,
      queueSize: 1,
    });
    try {
      await upload.done();
    } catch (error) {
      throw classifyS3Error(error, `writing ${key}`, this.bucket);
    }
  }

  async delete(key: string): Promise<void> {
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
    } catch (error) {
      const status = httpStatusOf(error);
      if (status === 404) return;
      throw classifyS3Error(error, `deleting ${key}`, this.bucket);
    }
  }

  private objectFields(key: string, metadata: ObjectMetadata) {
    const contentType = mimeLookup(key);
    return {
      Bucket: this.bucket,
      Key: key,
      ContentType: contentType === false ? 'application/octet-stream' : contentType,
      ...(metadata.contentEncoding === undefined
        ? {}
        : { ContentEncoding: metadata.contentEncoding }),
      // Migrated objects only: the tool's own (putStream: ledger, manifest) stay STANDARD, untagged.
      ...(this.storageClass === 'STANDARD' ? {} : { StorageClass: this.storageClass }),
      ...(this.tagging === undefined ? {} : { Tagging: this.tagging }),
      ...this.encryption,
      Metadata: {
        [META.contentHash]: metadata.contentHash,
        [META.id]: metadata.sourceId,
        [META.rev]: metadata.rev,
        [META.size]: String(metadata.size),
        [META.mtime]: String(Date.parse(metadata.modified) / 1000),
        ...(metadata.exportFormat === undefined
          ? {}
          : { [META.exportFormat]: metadata.exportFormat }),
      },
    };
  }
}
