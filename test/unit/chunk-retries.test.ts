// How a chunk (src/engine/chunk.ts) deals with a failing file, through the in-memory Source and
// Target: retried within the chunk a few times, given up at --max-attempts across chunks; a fatal
// error stops the chunk and keeps the ledger; a 429 pauses every worker.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { REQUEST_RETRY } from '../../src/engine/retry.ts';
import { fatal, permanent, retryable } from '../../src/errors.ts';
import { engineBed } from '../support/engine.ts';
import { delay, fail } from '../support/faults.ts';

/** Tries of one file in one chunk: the first, and RETRIES_PER_CHUNK (2) more. */
const TRIES_PER_CHUNK = 3;
const ONE_AT_A_TIME = { concurrency: { fixed: 1, max: 1 } };

test('a failing file is tried three times in a chunk, then waits; at --max-attempts it fails for good', async (t) => {
  const bed = await engineBed(t, { files: { '/flaky.bin': 'flaky', '/fine.txt': 'fine' } });
  bed.target.inject({
    on: 'put',
    path: 'flaky.bin',
    fault: fail(() => retryable('server_error', 'S3 answered 503')),
  });
  const puts = (): number => bed.target.callsTo('put').filter((c) => c.path === 'flaky.bin').length;

  const first = await bed.chunk({ transfer: { maxAttempts: 5 } });
  assert.equal(first.chunk.migrated, 1);
  assert.equal(first.done, false);
  let record = (await bed.ledger()).atPath('/flaky.bin');
  assert.equal(record?.status, 'pending');
  assert.equal(record.attempts, TRIES_PER_CHUNK);
  assert.equal(record.failure?.failureClass, 'server_error');
  // Each try is one transfer, whose PUT the engine itself retries with backoff.
  assert.equal(puts(), TRIES_PER_CHUNK * REQUEST_RETRY.tries);

  const second = await bed.chunk({ transfer: { maxAttempts: 5 } });
  assert.equal(second.chunk.failed, 1);
  record = (await bed.ledger()).atPath('/flaky.bin');
  assert.equal(record?.status, 'failed');
  assert.equal(record.attempts, 5, 'two more tries reach --max-attempts');
  assert.equal(record.failure?.kind, 'permanent');
  assert.equal(record.failure.failureClass, 'server_error', 'the class it kept failing with');
  assert.match(record.failure.reason, /gave up after 5 attempts/);
  assert.equal(bed.target.object('flaky.bin'), undefined);

  const third = await bed.chunk({ transfer: { maxAttempts: 5 } });
  assert.equal(third.done, true, 'a file that failed for good is not pending');
  assert.equal(puts(), (TRIES_PER_CHUNK + 2) * REQUEST_RETRY.tries, 'and not tried again');
});

test('a file that fails once is retried later in the same chunk; a permanent failure is recorded at once', async (t) => {
  const bed = await engineBed(t, { files: { '/a.txt': 'a', '/b.txt': 'b' } });
  bed.source.inject({
    on: 'open',
    path: '/a.txt',
    times: 1,
    fault: fail(
      permanent('restricted_content', 'Dropbox restricts this file and will not serve it'),
    ),
  });
  bed.target.inject({
    on: 'put',
    path: 'b.txt',
    times: REQUEST_RETRY.tries,
    fault: fail(() => retryable('network', 'the connection to S3 failed (ECONNRESET)')),
  });

  const result = await bed.chunk({ transfer: ONE_AT_A_TIME });

  assert.deepEqual([result.chunk.migrated, result.chunk.failed], [1, 1]);
  assert.equal(bed.target.object('b.txt')?.body.toString(), 'b');
  const ledger = await bed.ledger();
  assert.equal(ledger.atPath('/b.txt')?.status, 'migrated');
  assert.equal(ledger.atPath('/b.txt')?.attempts, 0);
  const a = ledger.atPath('/a.txt');
  assert.equal(a?.status, 'failed', 'a permanent failure is recorded at once');
  assert.equal(a.attempts, 1);
  assert.equal(a.failure?.failureClass, 'restricted_content');
  assert.equal(bed.source.callsTo('open').filter((c) => c.path === '/a.txt').length, 1);
});

test('a fatal error stops the chunk: files already migrated stay migrated, the rest pending', async (t) => {
  const names = ['a', 'b', 'c', 'd', 'e', 'f'].map((name) => `${name}.txt`);
  const bed = await engineBed(t, {
    files: Object.fromEntries(names.map((name) => [`/${name}`, name])),
  });
  bed.target.inject({
    on: 'put',
    path: 'c.txt',
    times: 1,
    fault: fail(fatal('expired_aws_credentials', 'the AWS credentials expired')),
  });

  const result = await bed.chunk({ transfer: ONE_AT_A_TIME });

  assert.equal(result.fatal?.failureClass, 'expired_aws_credentials');
  assert.equal(result.chunk.stoppedBy, 'fatal');
  assert.equal(result.chunk.migrated, 2);
  assert.equal(result.upkeep, undefined);
  assert.deepEqual(bed.target.keys(), ['a.txt', 'b.txt'], 'nothing more was written');
  const ledger = await bed.ledger();
  assert.deepEqual(
    names.map((name) => ledger.atPath(`/${name}`)?.status),
    ['migrated', 'migrated', 'pending', 'pending', 'pending', 'pending'],
  );
  assert.equal(ledger.atPath('/c.txt')?.attempts, 0, 'not the file’s fault');
  assert.equal(ledger.chunks.at(-1)?.fatal?.failureClass, 'expired_aws_credentials');

  const next = await bed.chunk({ transfer: ONE_AT_A_TIME });
  assert.equal(next.done, true);
  assert.deepEqual(
    bed.target.keys().filter((key) => !key.startsWith('_')),
    names,
  );
  for (const name of names) assert.equal(bed.target.object(name)?.body.toString(), name);
});

test('a 429 with Retry-After pauses every worker until it has passed', async (t) => {
  const names = Array.from({ length: 12 }, (_, i) => `f${String(i).padStart(2, '0')}.txt`);
  const bed = await engineBed(t, {
    files: Object.fromEntries(names.map((name) => [`/${name}`, name])),
  });
  const retryAfterMs = 30_000;
  // Downloads answer after 10 ms; f04's first answers after 3 ms: 429, retry after 30 s.
  bed.source.inject({ on: 'open', path: (p) => p !== '/f04.txt', fault: delay(10) });
  bed.source.inject({ on: 'open', path: '/f04.txt', times: 1, fault: delay(3) });
  bed.source.inject({
    on: 'open',
    path: '/f04.txt',
    times: 1,
    fault: fail(retryable('rate_limited', 'Dropbox rate limit', { retryAfterMs })),
  });
  const start = bed.clock.now();

  const result = await bed.chunk({ transfer: { concurrency: { fixed: 4, max: 4 } } });

  assert.equal(result.chunk.migrated, 12);
  assert.equal(result.chunk.failed, 0);
  const opens = bed.source.callsTo('open');
  const limited = opens.find((call) => call.path === '/f04.txt');
  assert.ok(limited !== undefined);
  const answeredAt = limited.at + 3;
  const resumeAt = answeredAt + retryAfterMs;
  const during = opens.filter((call) => call.at >= answeredAt && call.at < resumeAt);
  assert.deepEqual(during, [], 'no worker asked Dropbox for anything during the pause');
  const later = opens.filter((call) => call.at >= resumeAt);
  assert.ok(later.length >= 5, `${String(later.length)} downloads waited for the pause to end`);
  assert.ok(
    later.some((call) => call.path === '/f04.txt'),
    'f04 was asked for again',
  );
  assert.ok(bed.clock.now() - start >= retryAfterMs);
  const record = (await bed.ledger()).atPath('/f04.txt');
  assert.equal(record?.status, 'migrated');
  assert.equal(record.attempts, 0, 'the download waited and carried on: no attempt used');
});
