// The circuit breaker of a chunk (src/engine/chunk.ts), through the in-memory Source and Target:
// many failures of one class in a row mean a service is down, not that the files are bad.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CIRCUIT_BREAKER_THRESHOLD } from '../../src/engine/chunk.ts';
import { REQUEST_RETRY } from '../../src/engine/retry.ts';
import { retryable, type MigrationError } from '../../src/errors.ts';
import { engineBed, type EngineBed } from '../support/engine.ts';
import { fail } from '../support/faults.ts';

/** `count` small files /f00.txt, /f01.txt, …: listed, and so transferred, in that order. */
function files(count: number): Record<string, string> {
  return Object.fromEntries(
    Array.from({ length: count }, (_, i) => {
      const name = `f${String(i).padStart(2, '0')}.txt`;
      return [`/${name}`, `bytes of ${name}`];
    }),
  );
}

const serverError = (): MigrationError => retryable('server_error', 'S3 answered 503');

/** Each key's PUT fails once with `error`, through all of the engine's request retries. */
function failOnce(bed: EngineBed, keys: readonly string[], error: () => MigrationError): void {
  for (const key of keys) {
    bed.target.inject({ on: 'put', path: key, times: REQUEST_RETRY.tries, fault: fail(error) });
  }
}

/** The ledger holds every file as pending, with no attempt used and no failure recorded. */
async function assertUntouched(bed: EngineBed, count: number): Promise<void> {
  const ledger = await bed.ledger();
  assert.equal(ledger.totals().pending, count);
  for (const record of ledger.records()) {
    assert.equal(record.status, 'pending', record.path);
    assert.equal(record.attempts, 0, `${record.path}: the outage used none of its attempts`);
    assert.equal(record.failure, undefined, record.path);
  }
}

test(`${String(CIRCUIT_BREAKER_THRESHOLD)} failures of one class in a row stop the chunk as service_down; the files get their attempts back`, async (t) => {
  const bed = await engineBed(t, { files: files(30) });
  bed.target.inject({ on: 'put', fault: fail(serverError) });

  const result = await bed.chunk();

  assert.equal(result.fatal?.failureClass, 'service_down');
  assert.match(result.fatal.message, /20 transfers in a row failed with server_error/);
  assert.equal(result.chunk.stoppedBy, 'fatal');
  assert.equal(result.chunk.failed, 0);
  assert.equal(result.done, false);
  assert.equal(result.upkeep, undefined, 'a stopped chunk writes no manifest');
  assert.deepEqual(bed.target.keys(), []);
  await assertUntouched(bed, 30);
  const summary = (await bed.ledger()).chunks.at(-1);
  assert.equal(summary?.stoppedBy, 'fatal');
  assert.equal(summary.fatal?.failureClass, 'service_down', 'saved for the summary issue');
});

test('files at their last attempt are not turned into failures by an outage either', async (t) => {
  const bed = await engineBed(t, { files: files(25) });
  bed.target.inject({ on: 'put', fault: fail(serverError) });

  const result = await bed.chunk({ transfer: { maxAttempts: 1 } });

  assert.equal(result.fatal?.failureClass, 'service_down');
  assert.equal(result.chunk.failed, 0);
  await assertUntouched(bed, 25);
});

test('a success between failures starts the count again', async (t) => {
  const names = Object.keys(files(39)).map((path) => path.slice(1));
  // One file at a time: f00–f18 fail, f19 succeeds, f20–f38 fail; then their retries succeed.
  const bed = await engineBed(t, { files: files(39) });
  failOnce(bed, [...names.slice(0, 19), ...names.slice(20)], serverError);

  const result = await bed.chunk({ transfer: { concurrency: { fixed: 1, max: 1 } } });

  assert.equal(result.fatal, undefined);
  assert.equal(result.chunk.migrated, 39);
  assert.deepEqual(
    bed.target.keys().filter((key) => !key.startsWith('_')),
    names,
    'every file, retried in the same chunk',
  );
  assert.equal(bed.target.object('f00.txt')?.body.toString(), 'bytes of f00.txt');

  // The same with f19 failing too: 20 in a row.
  const control = await engineBed(t, { files: files(39) });
  failOnce(control, names, serverError);
  const stopped = await control.chunk({ transfer: { concurrency: { fixed: 1, max: 1 } } });
  assert.equal(stopped.fatal?.failureClass, 'service_down');
  assert.equal(stopped.chunk.migrated, 0);
});

test('rate limits never trip it: files wait, keep their attempts, and stay pending', async (t) => {
  const count = CIRCUIT_BREAKER_THRESHOLD + 5;
  const bed = await engineBed(t, { files: files(count) });
  bed.target.inject({
    on: 'put',
    fault: fail(() => retryable('rate_limited', 'S3 asks to slow down')),
  });

  const result = await bed.chunk({ transfer: { concurrency: { fixed: 1, max: 1 } } });

  assert.equal(result.fatal, undefined, 'every transfer failed, all of one class, yet no stop');
  assert.equal(result.chunk.stoppedBy, 'done');
  assert.equal(result.chunk.failed, 0);
  const ledger = await bed.ledger();
  for (const record of ledger.records()) {
    assert.equal(record.status, 'pending', record.path);
    assert.equal(record.attempts, 0, `${record.path}: a rate limit is not the file's fault`);
    assert.equal(record.failure?.failureClass, 'rate_limited', record.path);
  }
});
