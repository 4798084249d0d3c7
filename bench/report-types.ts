/** What one scenario reports: measured runs, and the targets checked against them. */

/** One measured run of the engine (or shards of it) or of the raw pipe. */
export interface RunFigures {
  readonly label: string;
  readonly files: number;
  readonly bytes: number;
  readonly wallSeconds: number;
  /** CPU seconds of the measured program(s), the Dropbox emulator and the S3 server during the run. */
  readonly cpu: { readonly program: number; readonly emulator: number; readonly s3: number };
  /** Peak RSS of the measured program (the largest, for several processes). */
  readonly peakRssMiB: number;
  /** Requests the Dropbox emulator answered during the run, by route, and its 429s. */
  readonly dropboxRequests?: Readonly<Record<string, number>>;
  readonly rateLimited?: number;
  /** S3 requests during the run, by operation. */
  readonly s3Requests?: Readonly<Record<string, number>>;
  /** Seconds from the program's start to its plan ("Chunk plan:" line), for the engine. */
  readonly planSeconds?: number;
}

export interface Check {
  readonly figure: string;
  readonly value: number;
  /** The value as shown, with its unit. */
  readonly measured: string;
  readonly target: string;
  readonly met: boolean;
}

export interface ScenarioResult {
  readonly id: string;
  readonly title: string;
  /** The account and settings, in a few words. */
  readonly setup: string;
  readonly runs: readonly RunFigures[];
  readonly checks: readonly Check[];
  readonly notes: readonly string[];
}
