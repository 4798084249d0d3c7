/**
 * Runs many CLI command lines and action steps in one process, one after another, through the
 * entry points' own functions: the CLI's `main` (what `src/cli/index.ts` calls before it exits
 * with the code) and the action's `run` (all `src/action/main/index.ts` does; it fails the step
 * through `core.setFailed`, which sets the exit code). The rows of the bad-input table run without
 * a second or more of Node start-up and module loading each. Reads `[{entry, argv, env}]` as JSON
 * on stdin (an env value of null removes the variable; an action row's `INPUT_*` are its only
 * inputs) and prints `[{code, stdout, stderr}]` as JSON on stdout.
 */
import { run } from '../../src/action/main/run.ts';
import { main } from '../../src/cli/program.ts';

export interface BatchRow {
  entry: 'cli' | 'action';
  /** The CLI's arguments (cli rows). */
  argv: string[];
  env: Record<string, string | null>;
}

export interface BatchResult {
  code: number;
  stdout: string;
  stderr: string;
}

type Write = typeof process.stdout.write;

/** Replaces `stream.write` with one that appends to `sink`, and returns the original. */
function capture(stream: NodeJS.WriteStream, sink: { text: string }): Write {
  const original: Write = stream.write.bind(stream);
  const fake = (chunk: unknown, ...rest: unknown[]): boolean => {
    sink.text += typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString();
    const callback = rest.find((item) => typeof item === 'function') as (() => void) | undefined;
    callback?.();
    return true;
  };
  stream.write = fake;
  return original;
}

async function runRow(row: BatchRow): Promise<BatchResult> {
  const saved = new Map<string, string | undefined>();
  const inputs = Object.keys(process.env).filter((name) => name.startsWith('INPUT_'));
  for (const name of inputs) {
    saved.set(name, process.env[name]);
    Reflect.deleteProperty(process.env, name);
  }
  for (const [name, value] of Object.entries(row.env)) {
    if (!saved.has(name)) saved.set(name, process.env[name]);
    if (value === null) Reflect.deleteProperty(process.env, name);
    else process.env[name] = value;
  }
  const out = { text: '' };
  const err = { text: '' };
  const stdout = capture(process.stdout, out);
  const stderr = capture(process.stderr, err);
  let code: number;
  try {
    if (row.entry === 'cli') code = await main(['node', 'dropbox-to-s3', ...row.argv]);
    else {
      process.exitCode = 0;
      await run();
      code = exitCode();
      process.exitCode = 0;
    }
  } catch (error) {
    err.text += `uncaught: ${String(error)}\n`;
    code = -1;
  } finally {
    process.stdout.write = stdout;
    process.stderr.write = stderr;
    for (const [name, value] of saved) {
      if (value === undefined) Reflect.deleteProperty(process.env, name);
      else process.env[name] = value;
    }
  }
  return { code, stdout: out.text, stderr: err.text };
}

/** The exit code the step would end with (`core.setFailed` sets it to 1). */
function exitCode(): number {
  const value: number | string | null | undefined = process.exitCode;
  return value === undefined || value === null ? 0 : Number(value);
}

const chunks: Buffer[] = [];
for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
const rows = JSON.parse(Buffer.concat(chunks).toString('utf8')) as BatchRow[];
const results: BatchResult[] = [];
for (const row of rows) results.push(await runRow(row));
process.stdout.write(JSON.stringify(results), () => process.exit(0));
