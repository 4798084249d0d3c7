import { createReadStream } from 'node:fs';
import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { open, rename, stat, truncate } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { LedgerEntry } from './records.ts';

const READ_SIZE = 1024 * 1024;

export class LedgerCorruptError extends Error {
  constructor(file: string, line: number, detail: string) {
    super(
      `the ledger file ${file} is damaged at line ${String(line)} (${detail}). ` +
        'Move it aside and run again: the ledger is rebuilt from what is already in S3.',
    );
    this.name = 'LedgerCorruptError';
  }
}

export interface ReadResult {
  /** Bytes of whole, parsed lines: a torn last line starts here. */
  readonly goodBytes: number;
  readonly tornTail: boolean;
}

/**
 * Reads a JSONL ledger file, calling `apply` for each entry in order. A kill can leave the last
 * line half-written (no newline, or unreadable): it is ignored and reported as `tornTail`. Damage
 * anywhere else is an error.
 */
export async function readEntries(
  file: string,
  apply: (entry: LedgerEntry) => void,
): Promise<ReadResult> {
  const exists = await stat(file).catch(() => undefined);
  if (exists === undefined) return { goodBytes: 0, tornTail: false };

  let goodBytes = 0;
  let lineNumber = 0;
  let rest: Buffer = Buffer.alloc(0);
  let badLine: { line: number; detail: string } | undefined;
  // Read in large pieces and decoded a run of whole lines at a time, not a string per line: a
  // ledger of 100k+ files is read at every chunk's start, and that is time before any transfer.
  const stream = createReadStream(file, { highWaterMark: READ_SIZE }) as AsyncIterable<Buffer>;
  for await (const chunk of stream) {
    rest = rest.length === 0 ? chunk : Buffer.concat([rest, chunk]);
    const end = rest.lastIndexOf(10);
    if (end === -1) continue;
    const lines = rest.toString('utf8', 0, end).split('\n');
    for (const [index, line] of lines.entries()) {
      lineNumber += 1;
      // A bad line followed by more lines is not a torn tail.
      if (badLine !== undefined) throw new LedgerCorruptError(file, badLine.line, badLine.detail);
      const parsed = parseLine(line);
      if (typeof parsed !== 'string') apply(parsed);
      else {
        badLine = { line: lineNumber, detail: parsed };
        goodBytes += index === 0 ? 0 : Buffer.byteLength(lines.slice(0, index).join('\n')) + 1;
      }
    }
    if (badLine === undefined) goodBytes += end + 1;
    rest = rest.subarray(end + 1);
  }
  return { goodBytes, tornTail: goodBytes < exists.size };
}

function parseLine(line: string): LedgerEntry | string {
  try {
    const value: unknown = JSON.parse(line);
    if (typeof value === 'object' && value !== null && 't' in value) return value as LedgerEntry;
    return 'not a ledger entry';
  } catch (error) {
    return error instanceof Error ? error.message : 'unreadable';
  }
}

/**
 * Appends entries to the journal, one `write` each: once it returns, the entry survives the process
 * being killed (it is in the kernel). `fsync` on checkpoints covers the machine going down.
 */
export class JournalWriter {
  private fd: number | undefined;
  private readonly file: string;

  private constructor(file: string, fd: number) {
    this.file = file;
    this.fd = fd;
  }

  /** Opens for appending, first cutting off a torn tail so new entries start on a fresh line. */
  static async open(file: string, goodBytes: number, tornTail: boolean): Promise<JournalWriter> {
    if (tornTail) await truncate(file, goodBytes);
    return new JournalWriter(file, openSync(file, 'a'));
  }

  append(entry: LedgerEntry): void {
    if (this.fd === undefined) throw new Error(`the journal ${this.file} is closed`);
    writeSync(this.fd, `${JSON.stringify(entry)}\n`);
  }

  sync(): void {
    if (this.fd !== undefined) fsyncSync(this.fd);
  }

  /** Empties the journal after its entries went into a snapshot. */
  async reset(): Promise<void> {
    this.close();
    await truncate(this.file, 0);
    this.fd = openSync(this.file, 'a');
  }

  close(): void {
    if (this.fd === undefined) return;
    fsyncSync(this.fd);
    closeSync(this.fd);
    this.fd = undefined;
  }
}

/** Writes a whole file atomically: a temporary file, fsync, rename, fsync of the folder. */
export async function writeAtomically(file: string, lines: Iterable<string>): Promise<void> {
  const temporary = `${file}.tmp`;
  const handle = await open(temporary, 'w');
  try {
    let buffer: string[] = [];
    let size = 0;
    for (const line of lines) {
      buffer.push(line);
      size += line.length;
      if (size > 1 << 20) {
        await handle.write(buffer.join(''));
        buffer = [];
        size = 0;
      }
    }
    if (buffer.length > 0) await handle.write(buffer.join(''));
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temporary, file);
  const folder = await open(dirname(file), 'r');
  try {
    await folder.sync();
  } finally {
    await folder.close();
  }
}
