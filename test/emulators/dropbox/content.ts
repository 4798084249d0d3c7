import { createReadStream } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { BlockHasher } from './content-hash.ts';
import { ApiError } from './errors.ts';

/** Bytes served by a content route: a file, optionally after a prefix (export transforms). */
export interface BodySource {
  length: number;
  /** Streams bytes [start, end] (inclusive). */
  read(start: number, end: number): AsyncIterable<Buffer>;
}

export function fileBody(diskPath: string, size: number, prefix?: Buffer): BodySource {
  const head = prefix ?? Buffer.alloc(0);
  return {
    length: head.length + size,
    async *read(start: number, end: number) {
      if (start < head.length) yield head.subarray(start, Math.min(head.length, end + 1));
      const fileStart = Math.max(0, start - head.length);
      const fileEnd = end - head.length;
      if (fileEnd < fileStart) return;
      for await (const chunk of createReadStream(diskPath, {
        start: fileStart,
        end: fileEnd,
        highWaterMark: 256 * 1024,
      })) {
        yield chunk as Buffer;
      }
    },
  };
}

/** The same body with its first byte flipped (the length stays): damage in transit. */
export function corrupted(body: BodySource): BodySource {
  return {
    length: body.length,
    async *read(start: number, end: number) {
      let first = start === 0;
      for await (const chunk of body.read(start, end)) {
        if (first && chunk.length > 0) {
          const copy = Buffer.from(chunk);
          copy[0] = (copy[0] ?? 0) ^ 0xff;
          first = false;
          yield copy;
        } else yield chunk;
      }
    },
  };
}

/** Content hash of a body, streamed (export_hash of a transformed export). */
export async function hashBody(body: BodySource): Promise<string> {
  const hasher = new BlockHasher();
  if (body.length > 0)
    for await (const chunk of body.read(0, body.length - 1)) hasher.update(chunk);
  return hasher.digest();
}

export interface ByteRange {
  start: number;
  end: number;
}

/**
 * Parses one `bytes=a-b`, `bytes=a-` or `bytes=-n` range. null = no usable Range header (serve
 * everything); an ApiError 416 when the range starts beyond the end.
 */
export function parseRange(header: string | undefined, length: number): ByteRange | null {
  if (header === undefined) return null;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (match === null) return null;
  const [, first = '', last = ''] = match;
  if (first === '' && last === '') return null;
  let start: number;
  let end: number;
  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0) throw unsatisfiable(length);
    start = Math.max(0, length - suffix);
    end = length - 1;
  } else {
    start = Number(first);
    end = last === '' ? length - 1 : Math.min(Number(last), length - 1);
    if (last !== '' && Number(last) < start) return null;
  }
  if (start >= length) throw unsatisfiable(length);
  return { start, end };
}

function unsatisfiable(length: number): ApiError {
  return new ApiError(416, 'text/plain; charset=utf-8', '', {
    'Content-Range': `bytes */${length}`,
  });
}

export interface StreamCounters {
  /** Called before bytes are handed to the socket, so counters never lag behind the client. */
  bytes(n: number): void;
  cut(): void;
  /** Waits as long as `n` bytes take at the bandwidth limit (if any). */
  pace?(n: number): Promise<void>;
}

/**
 * Writes bytes [start, end] with back-pressure. With `cutAfter`, writes that many bytes and then
 * destroys the socket, as a dropped connection would. Returns the bytes written.
 */
export async function streamBody(
  res: ServerResponse,
  body: BodySource,
  range: ByteRange,
  cutAfter: number | null,
  counters: StreamCounters,
): Promise<number> {
  let written = 0;
  if (range.end >= range.start) {
    for await (const chunk of body.read(range.start, range.end)) {
      if (res.destroyed) return written;
      if (cutAfter !== null && written + chunk.length >= cutAfter) {
        const part = chunk.subarray(0, cutAfter - written);
        written += part.length;
        counters.bytes(part.length);
        counters.cut();
        await new Promise<void>((resolve) => {
          res.write(part, () => {
            resolve();
          });
        });
        res.socket?.destroy();
        res.destroy();
        return written;
      }
      written += chunk.length;
      counters.bytes(chunk.length);
      if (!res.write(chunk)) await waitForDrain(res);
      await counters.pace?.(chunk.length);
    }
  }
  res.end();
  return written;
}

function waitForDrain(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}
