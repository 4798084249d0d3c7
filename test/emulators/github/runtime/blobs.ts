import { finished } from 'node:stream/promises';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * The blob storage behind the signed URLs the services hand out, speaking the part of the Azure
 * Blob REST API that `@azure/storage-blob` uses for block blobs: Put Blob, Put Block, Put Block
 * List, Get Blob (whole or ranged) and Get Blob Properties. URLs are path-style
 * (`/<account>/<container>/<blob>?…&sig=…`), which the SDK expects for an IP host.
 */
export const BLOB_ACCOUNT = 'emulatoraccount';
const API_VERSION = '2025-11-05';

interface StoredBlob {
  data: Buffer;
  contentType: string;
  etag: string;
  lastModified: Date;
}

interface Grant {
  readonly path: string;
  readonly write: boolean;
}

export class BlobStore {
  private readonly blobs = new Map<string, StoredBlob>();
  /** Staged blocks per blob path, by block id (base64, as sent). */
  private readonly blocks = new Map<string, Map<string, Buffer>>();
  private readonly grants = new Map<string, Grant>();
  private readonly baseUrl: () => string;

  constructor(baseUrl: () => string) {
    this.baseUrl = baseUrl;
  }

  /** A signed URL for one blob; `write` lets it be uploaded, otherwise it can only be read. */
  sign(container: string, blobName: string, write: boolean): string {
    const path = `/${BLOB_ACCOUNT}/${container}/${blobName
      .split('/')
      .map((part) => encodeURIComponent(part))
      .join('/')}`;
    const sig = randomBytes(24).toString('base64');
    this.grants.set(sig, { path, write });
    const expiry = new Date(Date.now() + 6 * 3600_000).toISOString().replace(/\.\d+Z$/, 'Z');
    const query = new URLSearchParams({
      sv: API_VERSION,
      sr: 'b',
      sp: write ? 'rcw' : 'r',
      se: expiry,
      sig,
    });
    return `${this.baseUrl()}${path}?${query.toString()}`;
  }

  get(container: string, blobName: string): Buffer | undefined {
    return this.blobs.get(this.pathOf(container, blobName))?.data;
  }

  contentType(container: string, blobName: string): string | undefined {
    return this.blobs.get(this.pathOf(container, blobName))?.contentType;
  }

  delete(container: string, blobName: string): void {
    const path = this.pathOf(container, blobName);
    this.blobs.delete(path);
    this.blocks.delete(path);
  }

  private pathOf(container: string, blobName: string): string {
    return `/${BLOB_ACCOUNT}/${container}/${blobName
      .split('/')
      .map((part) => encodeURIComponent(part))
      .join('/')}`;
  }

  /** Handles a request whose path starts with `/<account>/`. */
  async handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const path = url.pathname;
    const grant = this.grants.get(url.searchParams.get('sig') ?? '');
    if (!grant || grant.path !== path) {
      await drain(req);
      azureError(
        res,
        403,
        'AuthenticationFailed',
        'Server failed to authenticate the request. Make sure the value of Authorization header is formed correctly including the signature.',
      );
      return;
    }
    const method = req.method ?? 'GET';
    if (method === 'PUT') {
      if (!grant.write) {
        await drain(req);
        azureError(
          res,
          403,
          'AuthorizationPermissionMismatch',
          'This request is not authorized to perform this operation using this permission.',
        );
        return;
      }
      const body = await readBody(req);
      const comp = url.searchParams.get('comp');
      if (comp === 'block') {
        this.putBlock(req, res, path, url, body);
        return;
      }
      if (comp === 'blocklist') {
        this.putBlockList(req, res, path, body);
        return;
      }
      if (comp === null) {
        this.putBlob(req, res, path, body);
        return;
      }
      azureError(res, 400, 'InvalidQueryParameterValue', `Unsupported comp=${comp}.`);
      return;
    }
    await drain(req);
    if (method === 'GET' || method === 'HEAD') {
      this.read(req, res, path, method === 'HEAD');
      return;
    }
    azureError(res, 405, 'UnsupportedHttpVerb', `The resource doesn't support ${method}.`);
  }

  private putBlob(req: IncomingMessage, res: ServerResponse, path: string, body: Buffer): void {
    const type = header(req, 'x-ms-blob-type');
    if (type !== 'BlockBlob') {
      azureError(res, 400, 'InvalidHeaderValue', 'Only BlockBlob is supported.');
      return;
    }
    this.commit(req, res, path, body);
  }

  private putBlock(
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
    url: URL,
    body: Buffer,
  ): void {
    const blockId = url.searchParams.get('blockid');
    if (!blockId) {
      azureError(res, 400, 'InvalidQueryParameterValue', 'blockid is missing.');
      return;
    }
    let staged = this.blocks.get(path);
    if (!staged) {
      staged = new Map();
      this.blocks.set(path, staged);
    }
    staged.set(blockId, body);
    res.writeHead(201, {
      ...commonHeaders(),
      'x-ms-request-server-encrypted': 'true',
      'x-ms-content-crc64': 'AAAAAAAAAAA=',
    });
    res.end();
  }

  private putBlockList(
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
    body: Buffer,
  ): void {
    const staged = this.blocks.get(path) ?? new Map<string, Buffer>();
    const parts: Buffer[] = [];
    for (const match of body
      .toString('utf8')
      .matchAll(/<(Latest|Uncommitted|Committed)>([^<]*)<\/\1>/g)) {
      const block = staged.get(decodeXml(match[2] ?? ''));
      if (!block) {
        azureError(res, 400, 'InvalidBlockList', 'The specified block list is invalid.');
        return;
      }
      parts.push(block);
    }
    this.commit(req, res, path, Buffer.concat(parts));
  }

  private commit(req: IncomingMessage, res: ServerResponse, path: string, data: Buffer): void {
    const blob: StoredBlob = {
      data,
      contentType:
        header(req, 'x-ms-blob-content-type') ??
        header(req, 'content-type') ??
        'application/octet-stream',
      etag: `"0x${createHash('sha256').update(data).update(randomUUID()).digest('hex').slice(0, 16).toUpperCase()}"`,
      lastModified: new Date(),
    };
    this.blobs.set(path, blob);
    res.writeHead(201, {
      ...commonHeaders(),
      ETag: blob.etag,
      'Last-Modified': blob.lastModified.toUTCString(),
      'Content-MD5': createHash('md5').update(data).digest('base64'),
      'x-ms-request-server-encrypted': 'true',
    });
    res.end();
  }

  private read(req: IncomingMessage, res: ServerResponse, path: string, headOnly: boolean): void {
    const blob = this.blobs.get(path);
    if (!blob) {
      azureError(res, 404, 'BlobNotFound', 'The specified blob does not exist.', headOnly);
      return;
    }
    const size = blob.data.length;
    const headers: Record<string, string> = {
      ...commonHeaders(),
      ETag: blob.etag,
      'Last-Modified': blob.lastModified.toUTCString(),
      'Content-Type': blob.contentType,
      'Accept-Ranges': 'bytes',
      'x-ms-blob-type': 'BlockBlob',
      'x-ms-lease-status': 'unlocked',
      'x-ms-lease-state': 'available',
      'x-ms-server-encrypted': 'true',
      'x-ms-creation-time': blob.lastModified.toUTCString(),
    };
    const rangeHeader = header(req, 'x-ms-range') ?? header(req, 'range');
    if (rangeHeader && !headOnly) {
      const range = parseRange(rangeHeader, size);
      if (!range) {
        res.writeHead(416, {
          ...commonHeaders(),
          'Content-Range': `bytes */${size}`,
          'x-ms-error-code': 'InvalidRange',
          'Content-Type': 'application/xml',
        });
        res.end(
          errorXml(
            'InvalidRange',
            'The range specified is invalid for the current size of the resource.',
          ),
        );
        return;
      }
      const slice = blob.data.subarray(range.start, range.end + 1);
      res.writeHead(206, {
        ...headers,
        'Content-Length': String(slice.length),
        'Content-Range': `bytes ${range.start}-${range.end}/${size}`,
      });
      res.end(slice);
      return;
    }
    res.writeHead(200, { ...headers, 'Content-Length': String(size) });
    res.end(headOnly ? undefined : blob.data);
  }
}

function parseRange(value: string, size: number): { start: number; end: number } | undefined {
  const match = /^bytes=(\d+)-(\d*)$/.exec(value.trim());
  if (!match) return undefined;
  const start = Number(match[1]);
  const end = match[2] ? Math.min(Number(match[2]), size - 1) : size - 1;
  if (start >= size || end < start) return undefined;
  return { start, end };
}

function commonHeaders(): Record<string, string> {
  return {
    'x-ms-request-id': randomUUID(),
    'x-ms-version': API_VERSION,
    Date: new Date().toUTCString(),
    Server: 'Windows-Azure-Blob/1.0 Microsoft-HTTPAPI/2.0',
  };
}

function errorXml(code: string, message: string): string {
  return `<?xml version="1.0" encoding="utf-8"?><Error><Code>${code}</Code><Message>${message}\nRequestId:${randomUUID()}\nTime:${new Date().toISOString()}</Message></Error>`;
}

function azureError(
  res: ServerResponse,
  status: number,
  code: string,
  message: string,
  headOnly = false,
): void {
  const body = errorXml(code, message);
  res.writeHead(status, {
    ...commonHeaders(),
    'x-ms-error-code': code,
    'Content-Type': 'application/xml',
    'Content-Length': String(Buffer.byteLength(body)),
  });
  res.end(headOnly ? undefined : body);
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function decodeXml(text: string): string {
  return text
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&quot;', '"')
    .replaceAll('&apos;', "'")
    .replaceAll('&amp;', '&');
}

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function drain(req: IncomingMessage): Promise<void> {
  req.resume();
  await finished(req);
}
