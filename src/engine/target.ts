/**
 * What the engine needs from where files go. S3 implements it in src/s3/; the engine knows nothing
 * else about S3.
 */

/** What the store allows; the engine sizes parts and checks keys with it. */
export interface TargetLimits {
  /** How the store is named in messages ("S3"). */
  readonly name: string;
  /** Longest key, in bytes of UTF-8. */
  readonly maxKeyBytes: number;
  /** Most parts in one multipart upload. */
  readonly maxParts: number;
  /** Smallest part (but the last) and largest part of a multipart upload. */
  readonly minPartBytes: number;
  readonly maxPartBytes: number;
}

export interface ObjectMetadata {
  readonly contentHash: string;
  /** The source's id of the file: whose object this is. */
  readonly sourceId: string;
  readonly rev: string;
  readonly size: number;
  /** The file's modification time at the source (Dropbox's client_modified), ISO 8601. */
  readonly modified: string;
  /**
   * The body is gzipped (`--compress text`): stored with `Content-Encoding: gzip`; `size` and
   * `contentHash` stay those of the original bytes.
   */
  readonly contentEncoding?: 'gzip';
  /** Set when the object is a document's export in this format (then `contentHash` is its `export_hash`). */
  readonly exportFormat?: string;
}

export interface StoredObject {
  readonly key: string;
  readonly size: number;
}

export interface ObjectHead {
  /** Bytes stored (for a compressed object, the compressed size). */
  readonly size: number;
  /** The content hash recorded at upload, when the object was written by this tool. */
  readonly contentHash: string | undefined;
  readonly rev: string | undefined;
  /** The file's size at the source, recorded at upload (differs from `size` when compressed). */
  readonly originalSize: number | undefined;
  /** How the stored bytes are encoded (`gzip` when compressed); undefined when stored as they are. */
  readonly contentEncoding: string | undefined;
  /** The export format, when the object is a document's export. */
  readonly exportFormat?: string | undefined;
  /** The source's file id recorded at upload: whose object this is. */
  readonly sourceId: string | undefined;
}

/** An object's stored bytes, streamed, with what its HEAD would say. */
export interface StoredBody {
  readonly head: ObjectHead;
  readonly body: AsyncIterable<Uint8Array>;
}

/** A multipart upload that was started and neither completed nor aborted. */
export interface UnfinishedUpload {
  readonly key: string;
  readonly uploadId: string;
}

export interface CompletedPart {
  readonly partNumber: number;
  readonly etag: string;
}

export interface Target {
  readonly limits: TargetLimits;
  /** Fails (fatally) when the bucket is missing or the credentials cannot use it. */
  check(): Promise<void>;
  head(key: string): Promise<ObjectHead | undefined>;
  /** The stored bytes of an object as they are (still encoded); undefined when there is none. */
  read(key: string, signal: AbortSignal): Promise<StoredBody | undefined>;
  list(prefix: string): AsyncIterable<StoredObject>;
  /** One PUT of a whole, already verified body. */
  put(key: string, body: Uint8Array, metadata: ObjectMetadata, signal: AbortSignal): Promise<void>;
  createMultipart(key: string, metadata: ObjectMetadata): Promise<string>;
  uploadPart(
    key: string,
    uploadId: string,
    partNumber: number,
    body: Uint8Array,
    signal: AbortSignal,
  ): Promise<string>;
  completeMultipart(key: string, uploadId: string, parts: readonly CompletedPart[]): Promise<void>;
  abortMultipart(key: string, uploadId: string): Promise<void>;
  /** The parts uploaded so far, by number; undefined when the upload no longer exists. */
  listParts(key: string, uploadId: string): Promise<readonly CompletedPart[] | undefined>;
  /** Multipart uploads under `prefix` that were never completed or aborted (a run was killed). */
  unfinishedUploads(prefix: string): AsyncIterable<UnfinishedUpload>;
  /**
   * Writes one of the tool's own objects (the manifest, a folder marker) from a stream of unknown
   * length, holding at most a part or two of it in memory.
   */
  putStream(
    key: string,
    body: Iterable<Uint8Array> | AsyncIterable<Uint8Array>,
    contentType: string,
  ): Promise<void>;
  /** Deletes an object; an absent one is not an error. */
  delete(key: string): Promise<void>;
}
