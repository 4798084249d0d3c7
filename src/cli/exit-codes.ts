/**
 * The CLI's exit codes, for every command: 0 the command ran (work may be left), 1 a fatal error
 * (or, for `verify`, a difference found), 2 invalid input, reported before any work started.
 */
export const EXIT = { ok: 0, fatal: 1, usage: 2 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];
