/**
 * What the engine needs from where files go. S3 implements it in src/s3/; the engine knows nothing
 * else about S3.
 */
export interface ObjectMetadata {
  readonly contentHash: string;
  readonly dropboxId: string;
  readonly rev: string;
  readonly size: number;
  /** Dropbox's client_modified, ISO 8601. */
  readonly modified: string;
}

export interface StoredObject {
  readonly key: string;
  readonly size: number;
}

export interface ObjectHead {
  readonly size: number;
  /** The content hash recorded at upload, when the object was written by this tool. */
  readonly contentHash: string | undefined;
  readonly rev: string | undefined;
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
  /** Fails (fatally) when the bucket is missing or the credentials cannot use it. */
  check(): Promise<void>;
  head(key: string): Promise<ObjectHead | undefined>;
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
}
