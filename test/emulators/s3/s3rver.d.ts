// Minimal types for the parts of s3rver 3.7.1 (untyped CommonJS) that the harness touches.
// Only what is used is declared; everything else stays out of reach on purpose.

declare module 's3rver' {
  import type { IncomingHttpHeaders, IncomingMessage, Server, ServerResponse } from 'node:http';
  import type { AddressInfo } from 'node:net';
  import type { Readable } from 'node:stream';

  /** The slice of a Koa context the harness reads or writes. */
  export interface KoaContext {
    method: string;
    path: string;
    href: string;
    query: Record<string, string | string[] | undefined>;
    headers: IncomingHttpHeaders;
    req: IncomingMessage;
    res: ServerResponse;
    status: number;
    body: unknown;
    type: string;
    etag: string;
    state: Record<string, unknown>;
    params: Record<string, string | undefined>;
    set(field: string, value: string): void;
    get(field: string): string;
  }

  export type Next = () => Promise<void>;
  export type Middleware = (ctx: KoaContext, next: Next) => Promise<void> | void;

  /** Metadata as s3rver keeps it: lower-case header names to values. */
  export type StoredMetadata = Record<string, string>;

  export interface StoredObject {
    bucket: string;
    key: string;
    content: Readable | Buffer | null;
    metadata: StoredMetadata;
    range?: { start: number; end: number };
    readonly size: number;
    readonly lastModifiedDate: Date;
  }

  export interface FilesystemStore {
    rootDirectory: string;
    getBucketPath(bucket: string): string;
    getResourcePath(bucket: string, key: string | undefined, resource: string): string;
    getMetadata(bucket: string, key: string): Promise<StoredMetadata>;
    putMetadata(bucket: string, key: string, metadata: StoredMetadata, md5?: string): Promise<void>;
    getBucket(bucket: string): Promise<object | null>;
    existsObject(bucket: string, key: string): Promise<boolean>;
    getObject(
      bucket: string,
      key: string,
      options?: { start?: number; end?: number },
    ): Promise<StoredObject | null>;
    putObject(object: StoredObject): Promise<{ md5: string; size: number }>;
    copyObject(
      srcBucket: string,
      srcKey: string,
      destBucket: string,
      destKey: string,
      replacementMetadata: StoredMetadata | null,
    ): Promise<StoredMetadata>;
    deleteObject(bucket: string, key: string): Promise<void>;
    listObjects(
      bucket: string,
      options: { prefix?: string; delimiter?: string; startAfter?: string; maxKeys?: number },
    ): Promise<{ objects: StoredObject[]; commonPrefixes: string[]; isTruncated: boolean }>;
    putPart(
      bucket: string,
      uploadId: string,
      partNumber: number | string,
      content: Readable,
    ): Promise<{ md5: string; size: number }>;
  }

  /** The FilesystemStore class: its static key<->path mapping is what the harness replaces. */
  export interface FilesystemStoreClass {
    encodeKeyPath(key: string): string;
    decodeKeyPath(keyPath: string): string;
  }

  export interface S3rverOptions {
    address?: string;
    port?: number;
    silent?: boolean;
    directory: string;
    vhostBuckets?: boolean;
    configureBuckets?: { name: string }[];
  }

  export default class S3rver {
    constructor(options: S3rverOptions);
    middleware: Middleware[];
    store: FilesystemStore;
    httpServer?: Server;
    run(): Promise<AddressInfo>;
    close(): Promise<void>;
  }
}

declare module 's3rver/lib/models/error.js' {
  export default class S3Error extends Error {
    constructor(code: string, message?: string, detail?: Record<string, string | number>);
    code: string;
    status: number;
    detail: Record<string, string | number>;
  }
}

declare module 's3rver/lib/models/object.js' {
  import type { StoredMetadata, StoredObject } from 's3rver';
  import type { Readable } from 'node:stream';

  interface S3ObjectClass {
    new (
      bucket: string,
      key: string,
      content: Readable | Buffer | null,
      metadata: Record<string, string | string[] | undefined>,
    ): StoredObject & { metadata: StoredMetadata };
    readonly ALLOWED_METADATA: string[];
    readonly STORAGE_CLASSES: string[];
  }
  const S3Object: S3ObjectClass;
  export default S3Object;
}

declare module 's3rver/lib/middleware/authentication.js' {
  import type { Middleware } from 's3rver';
  export default function authentication(): Middleware;
}

declare module 's3rver/lib/stores/filesystem.js' {
  import type { FilesystemStoreClass } from 's3rver';
  const FilesystemStore: FilesystemStoreClass;
  export default FilesystemStore;
}
