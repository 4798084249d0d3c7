/** What a front door hears while a chunk runs, to draw a progress bar or print lines. */
export interface ProgressListener {
  /** Files and bytes this chunk means to move. */
  planned(files: number, bytes: number): void;
  /** Bytes received from the source (including parts of files not finished yet). */
  bytes(count: number): void;
  /** A file finished: migrated, or failed (for good or to try again later). */
  finished(outcome: 'migrated' | 'failed' | 'retry', path: string): void;
  /** A line worth telling a person (listing fell back, cursor reset, …). */
  note(line: string): void;
}

export const SILENT: ProgressListener = {
  planned: () => undefined,
  bytes: () => undefined,
  finished: () => undefined,
  note: () => undefined,
};
