import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConcurrencyController, DEFAULT_CONCURRENCY } from '../../src/engine/concurrency.ts';
import { FakeClock } from '../support/fake-clock.ts';

const auto = { ...DEFAULT_CONCURRENCY, initial: 4, max: 8, cooldownMs: 1000 };

test('grows by one after each full round of successes, up to the maximum', () => {
  const clock = new FakeClock();
  const control = new ConcurrencyController(auto, clock);
  const seen = [control.limit];
  for (let i = 0; i < 40; i += 1) {
    control.onSuccess();
    if (control.limit !== seen.at(-1)) seen.push(control.limit);
  }
  // 4 successes take 4→5, 5 more take 5→6, … and it stops at 8.
  assert.deepEqual(seen, [4, 5, 6, 7, 8]);
});

test('halves on a throttle, never below one', () => {
  const clock = new FakeClock();
  const control = new ConcurrencyController({ ...auto, initial: 8 }, clock);
  control.onThrottle();
  assert.equal(control.limit, 4);
  clock.advance(1000);
  control.onThrottle();
  assert.equal(control.limit, 2);
  clock.advance(1000);
  control.onThrottle();
  clock.advance(1000);
  control.onThrottle();
  assert.equal(control.limit, 1);
});

test('a burst of throttles inside the cooldown counts once', () => {
  const clock = new FakeClock();
  const control = new ConcurrencyController({ ...auto, initial: 8 }, clock);
  for (let i = 0; i < 8; i += 1) control.onThrottle();
  assert.equal(control.limit, 4);
  clock.advance(999);
  control.onThrottle();
  assert.equal(control.limit, 4);
  clock.advance(1);
  control.onThrottle();
  assert.equal(control.limit, 2);
});

test('a throttle restarts the round of successes', () => {
  const clock = new FakeClock();
  const control = new ConcurrencyController({ ...auto, initial: 4 }, clock);
  control.onSuccess();
  control.onSuccess();
  control.onSuccess();
  control.onThrottle(); // 4 → 2, and the three successes no longer count
  control.onSuccess();
  assert.equal(control.limit, 2);
  control.onSuccess();
  assert.equal(control.limit, 3);
});

test('a fixed concurrency never moves', () => {
  const clock = new FakeClock();
  const control = new ConcurrencyController({ ...auto, fixed: 3 }, clock);
  for (let i = 0; i < 10; i += 1) control.onSuccess();
  control.onThrottle();
  assert.equal(control.limit, 3);
  assert.equal(control.automatic, false);
});
