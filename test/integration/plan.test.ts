import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDropboxEmulator, type DropboxEmulator } from '../emulators/dropbox/index.ts';
import { MAIN, newJob, outputsOf, runStep } from '../support/action-runner.ts';
import { runCli, writeTree } from '../support/bucket.ts';
import { APP_KEY, APP_SECRET, REFRESH_TOKEN } from '../support/testbed.ts';

/*
 * `plan` against the Dropbox emulator alone: no S3 server, no AWS credentials. Its figures are
 * recomputed here file by file from the sizes written, with a price table of round numbers given
 * with --prices, so a wrong term in the product's model (a class price, a transition, the
 * minimum duration, the Glacier overhead, the 128 KiB rule, multipart requests) shows.
 */

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;
const DEEP = Array.from({ length: 5 }, (_, i) => `${String(i)}${'d'.repeat(220)}`).join('/');

/** The account: path → size. Photos and Video hold objects of 128 KiB and more. */
const SIZES: Record<string, number> = {
  'Photos/a.jpg': 200 * KiB,
  'Photos/2024/b.jpg': 300 * KiB,
  'Docs/small.txt': 1000,
  'Docs/tiny.txt': 10,
  'Video/big.mov': 40 * MiB,
  'top.bin': 50 * KiB,
  'Docs/Plan.paper': 500,
  [`${DEEP}/long.txt`]: 7,
};
/** What plan counts as migrated: everything but the skipped document and the too-long key. */
const MIGRATED = [
  'Photos/a.jpg',
  'Photos/2024/b.jpg',
  'Docs/small.txt',
  'Docs/tiny.txt',
  'Video/big.mov',
  'top.bin',
];

const PRICES = {
  s3: {
    storage: { STANDARD: 0.02, GLACIER: 0.004, DEEP_ARCHIVE: 0.001 },
    put: { STANDARD: 0.005, DEEP_ARCHIVE: 0.05 },
    transition: { GLACIER: 0.03, DEEP_ARCHIVE: 0.06 },
  },
  actions: { linuxPerMinute: 0.01 },
};

interface Breakdown {
  months: number;
  storage: { storageClass: string; gbMonths: number; cost: number }[];
  glacierOverhead: number;
  put: number;
  transitions: number;
  minimumDuration: number;
  actions: number;
  total: number;
  ifDeletedAtEnd: number;
}

interface PlanJson {
  listing: {
    migrate: { files: number; bytes: number };
    bands: { label: string; files: number; bytes: number }[];
    folders: { folder: string; files: number; bytes: number }[];
    cannotMigrate: {
      failureClass: string;
      files: number;
      examples: { path: string; reason: string }[];
    }[];
    leftOut: { exportsSkipped: { files: number; examples: string[] } };
  };
  transfer: {
    rate: { source: string; bytesPerSecond: number; filesPerSecond: number };
    transferSeconds: number;
    billedMinutes: number;
    cost: number;
  };
  strategies: { id: string; current: boolean; horizons: Breakdown[] }[];
  cheapest: { months: number; id: string; total: number }[];
}

async function account(): Promise<{ root: string; dropbox: DropboxEmulator; base: string }> {
  const base = await mkdtemp(join(tmpdir(), 'plan-'));
  const root = join(base, 'dropbox');
  await mkdir(root);
  await writeTree(
    root,
    Object.fromEntries(Object.entries(SIZES).map(([path, size]) => [path, Buffer.alloc(size, 7)])),
  );
  const dropbox = await startDropboxEmulator({ root, warn: () => undefined });
  return { root, dropbox, base };
}

function cliEnv(): NodeJS.ProcessEnv {
  return {
    DROPBOX_APP_KEY: APP_KEY,
    DROPBOX_APP_SECRET: APP_SECRET,
    DROPBOX_REFRESH_TOKEN: REFRESH_TOKEN,
  };
}

function near(actual: number | undefined, expected: number, what: string): void {
  assert.ok(actual !== undefined, `${what}: missing`);
  assert.ok(
    Math.abs(actual - expected) <= 1e-12 + Math.abs(expected) * 1e-9,
    `${what}: ${String(actual)} ≠ ${String(expected)}`,
  );
}

/** PUT-class requests for one file with 16 MiB parts: one PUT, or create + parts + complete. */
function requests(size: number): number {
  return size <= 16 * MiB ? 1 : Math.ceil(size / (16 * MiB)) + 2;
}

/** Direct DEEP_ARCHIVE, file by file: storage, 40 KiB overhead, PUTs; nothing moves. */
function deepArchive(sizes: number[], months: number): Record<string, number> {
  let storage = 0;
  let overhead = 0;
  let put = 0;
  for (const size of sizes) {
    storage += (size / GiB) * 0.001 * months;
    overhead += ((8 * KiB) / GiB) * 0.02 * months + ((32 * KiB) / GiB) * 0.001 * months;
    put += (requests(size) * 0.05) / 1000;
  }
  return { storage, overhead, put, transitions: 0, minimum: 0 };
}

/**
 * The original rule file by file over `months` × 30 days: a file of 128 KiB or more is STANDARD
 * for days 0–30, GLACIER 30–90 (leaving it after 60 of its 90 days: 30 more days billed, its 32 KiB
 * overhead with it), DEEP_ARCHIVE from day 90; a smaller file stays STANDARD.
 */
function originalRule(sizes: number[], months: number): Record<string, number> {
  const days = months * 30;
  const span = (from: number, to: number): number => Math.max(0, Math.min(to, days) - from) / 30;
  let storage = 0;
  let overhead = 0;
  let put = 0;
  let transitions = 0;
  let minimum = 0;
  for (const size of sizes) {
    const gb = size / GiB;
    put += (requests(size) * 0.005) / 1000;
    if (size < 128 * KiB) {
      storage += gb * 0.02 * months;
      continue;
    }
    storage +=
      gb * 0.02 * span(0, 30) + gb * 0.004 * span(30, 90) + gb * 0.001 * span(90, Infinity);
    const glacierMonths = span(30, Infinity);
    overhead +=
      ((8 * KiB) / GiB) * 0.02 * glacierMonths +
      ((32 * KiB) / GiB) * (0.004 * span(30, 90) + 0.001 * span(90, Infinity));
    if (days > 30) transitions += 0.03 / 1000;
    if (days > 90) {
      transitions += 0.06 / 1000;
      minimum += ((size + 32 * KiB) / GiB) * 0.004 * (30 / 30);
    }
  }
  return { storage, overhead, put, transitions, minimum };
}

function check(plan: PlanJson, id: string, model: typeof deepArchive): void {
  const strategy = plan.strategies.find((candidate) => candidate.id === id);
  assert.ok(strategy !== undefined, `no strategy ${id}`);
  const sizes = MIGRATED.map((path) => SIZES[path] ?? 0);
  for (const cost of strategy.horizons) {
    const expected = model(sizes, cost.months);
    const what = `${id} over ${String(cost.months)} months`;
    near(
      cost.storage.reduce((sum, line) => sum + line.cost, 0),
      expected.storage ?? 0,
      `${what}: storage`,
    );
    near(cost.glacierOverhead, expected.overhead ?? 0, `${what}: overhead`);
    near(cost.put, expected.put ?? 0, `${what}: PUT`);
    near(cost.transitions, expected.transitions ?? 0, `${what}: transitions`);
    near(cost.minimumDuration, expected.minimum ?? 0, `${what}: minimum duration`);
    near(cost.actions, plan.transfer.cost, `${what}: actions`);
    const sum = Object.values(expected).reduce((total, value) => total + value, 0);
    near(cost.total, sum + plan.transfer.cost, `${what}: total`);
  }
}

test('plan --json on a generated account: figures recomputed file by file, bands, folders, reasons, the measured rate', async (t) => {
  const { dropbox, base } = await account();
  t.after(async () => {
    await dropbox.close();
    await rm(base, { recursive: true, force: true });
  });
  const prices = join(base, 'prices.json');
  await writeFile(prices, JSON.stringify(PRICES));
  // A ledger with one chunk: 60 files, 60 MiB in 6 s → 10 MiB/s and 10 files/s.
  const ledger = join(base, 'ledger');
  await mkdir(join(ledger, 'shard-0-of-1'), { recursive: true });
  const chunk = {
    startedAt: '2026-01-01T00:00:00Z',
    durationMs: 6000,
    migrated: 60,
    failed: 0,
    bytes: 60 * MiB,
    stoppedBy: 'done',
  };
  await writeFile(
    join(ledger, 'shard-0-of-1', 'journal.jsonl'),
    `${JSON.stringify({ t: 'chunk', summary: chunk })}\n`,
  );

  const run = await runCli(
    [
      'plan',
      '--json',
      '--dropbox-base-url',
      dropbox.url,
      '--prices',
      prices,
      '--exports',
      'skip',
      '--ledger',
      ledger,
    ],
    cliEnv(),
  );
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stdout.trim().split('\n').length, 1, 'one JSON document');
  const plan = JSON.parse(run.stdout) as PlanJson;

  const migratedBytes = MIGRATED.reduce((sum, path) => sum + (SIZES[path] ?? 0), 0);
  assert.deepEqual(plan.listing.migrate, { files: MIGRATED.length, bytes: migratedBytes });
  const band = (label: string): { files: number; bytes: number } | undefined =>
    plan.listing.bands.find((candidate) => candidate.label === label);
  assert.deepEqual(
    { ...band('under 128 KiB'), label: undefined },
    { label: undefined, files: 3, bytes: 1010 + 50 * KiB },
  );
  assert.equal(band('128 KiB – 1 MiB')?.bytes, 500 * KiB);
  assert.equal(band('16 – 256 MiB')?.files, 1);
  assert.deepEqual(plan.listing.folders, [
    { folder: 'Video', files: 1, bytes: 40 * MiB },
    { folder: 'Photos', files: 2, bytes: 500 * KiB },
    { folder: '(top level)', files: 1, bytes: 50 * KiB },
    { folder: 'Docs', files: 2, bytes: 1010 },
  ]);

  const tooLong = plan.listing.cannotMigrate.find(
    (problem) => problem.failureClass === 'key_too_long',
  );
  assert.equal(tooLong?.files, 1);
  assert.match(
    tooLong.examples[0]?.reason ?? '',
    /would be \d+ bytes of UTF-8; S3 allows at most 1024/,
  );
  assert.equal(plan.listing.leftOut.exportsSkipped.files, 1);
  assert.deepEqual(plan.listing.leftOut.exportsSkipped.examples, ['/Docs/Plan.paper']);

  // The rate measured from the ledger's chunk, and GitHub's whole-minute billing with set-up.
  assert.equal(plan.transfer.rate.source, 'ledger');
  near(plan.transfer.rate.bytesPerSecond, 10 * MiB, 'bytes/s');
  near(
    plan.transfer.transferSeconds,
    Math.max(migratedBytes / (10 * MiB), MIGRATED.length / 10),
    'transfer seconds',
  );
  assert.equal(plan.transfer.billedMinutes, 2);
  near(plan.transfer.cost, 0.02, 'actions cost');

  check(plan, 'deep-archive', deepArchive);
  check(plan, 'original-rule', originalRule);
  assert.equal(plan.strategies.find((strategy) => strategy.current)?.id, 'original-rule');
  for (const [index, best] of plan.cheapest.entries()) {
    const lowest = Math.min(
      ...plan.strategies.map((strategy) => strategy.horizons[index]?.total ?? Infinity),
    );
    near(best.total, lowest, `cheapest at ${String(best.months)} months`);
  }

  // The built-in prices give other figures; the flags' own strategy is listed when it is new.
  const builtIn = await runCli(
    [
      'plan',
      '--json',
      '--dropbox-base-url',
      dropbox.url,
      '--storage-class',
      'STANDARD_IA',
      '--lifecycle',
      'none',
      '--ledger',
      ledger,
    ],
    cliEnv(),
  );
  assert.equal(builtIn.code, 0, builtIn.stderr);
  const other = JSON.parse(builtIn.stdout) as PlanJson;
  const total = (from: PlanJson): number | undefined =>
    from.strategies.find((strategy) => strategy.id === 'deep-archive')?.horizons[2]?.total;
  assert.notEqual(total(other), total(plan));
  assert.equal(other.strategies.find((strategy) => strategy.current)?.id, 'current');
  // Exported by default: the document is counted as migrated, not left out.
  assert.equal(other.listing.migrate.files, MIGRATED.length + 1);
  assert.equal(other.listing.leftOut.exportsSkipped.files, 0);
});

test('a bad --prices file fails before listing, naming the key; the text table names the cheapest', async (t) => {
  const { dropbox, base } = await account();
  t.after(async () => {
    await dropbox.close();
    await rm(base, { recursive: true, force: true });
  });
  const prices = join(base, 'prices.json');
  const cases: [unknown, RegExp][] = [
    [{ s3: { storage: { GLACIERR: 0.1 } } }, /unknown key "s3\.storage\.GLACIERR"/],
    [{ s3: { put: { STANDARD: -1 } } }, /"s3\.put\.STANDARD" must be a price in USD.*got -1/],
    [{ actions: { linuxPerMinute: '0.008' } }, /"actions\.linuxPerMinute" must be a price/],
  ];
  for (const [content, message] of cases) {
    await writeFile(prices, JSON.stringify(content));
    const run = await runCli(
      ['plan', '--dropbox-base-url', dropbox.url, '--prices', prices],
      cliEnv(),
    );
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, message);
  }
  await writeFile(prices, '{ not json');
  const broken = await runCli(
    ['plan', '--dropbox-base-url', dropbox.url, '--prices', prices],
    cliEnv(),
  );
  assert.equal(broken.code, 2);
  assert.match(broken.stderr, /--prices .* is not JSON/);
  assert.equal(dropbox.stats().requests['files/list_folder'] ?? 0, 0, 'nothing was listed');

  const text = await runCli(
    ['plan', '--dropbox-base-url', dropbox.url, '--ledger', join(base, 'none')],
    cliEnv(),
  );
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /Original rule: STANDARD → GLACIER@30 → DEEP_ARCHIVE@90 ◀ your flags/);
  assert.match(text.stdout, /Cheapest: 1 month: .*; 12 months: .*; 36 months: /);
  assert.match(text.stdout, /the default rate: no ledger with chunk history/);
  assert.match(text.stdout, /key_too_long: 1 file/);
});

test('the action in mode: plan needs no bucket or AWS credentials and writes the plan to the job summary', async (t) => {
  const { dropbox, base } = await account();
  t.after(async () => {
    await dropbox.close();
    await rm(base, { recursive: true, force: true });
  });
  const job = await newJob();
  const run = await runStep(
    MAIN,
    job,
    {
      mode: 'plan',
      'dropbox-base-url': dropbox.url,
      'dropbox-app-key': APP_KEY,
      'dropbox-app-secret': APP_SECRET,
      'dropbox-refresh-token': REFRESH_TOKEN,
      'ledger-store': 's3',
      'shard-index': '0',
      'shard-count': '1',
      exports: 'skip',
    },
    { GITHUB_RUN_ID: '7', GITHUB_RUN_ATTEMPT: '1', GITHUB_REPOSITORY: 'octo/migrate' },
  );
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.doesNotMatch(run.stdout, /::error::/);
  // Paths and reasons are escaped for markdown (entities, zero-width joiners): read them back.
  const summary = (await readFile(job.summaryFile, 'utf8'))
    .replace(/&#(\d+);/g, (_, code: string) => String.fromCodePoint(Number(code)))
    .replaceAll('\u200d', '');
  assert.match(summary, /## dropbox-to-s3 plan for the whole account/);
  assert.match(
    summary,
    /\| Original rule: STANDARD → GLACIER@30 → DEEP_ARCHIVE@90 ◀ your flags \|/,
  );
  assert.match(summary, /\*\*Cheapest:\*\*/);
  assert.match(summary, /- key_too_long: 1 file, 7 B\n {2}- the S3 key for \/0d+\//);
  assert.match(summary, /left out \(--exports skip\): 1 file/);
  const outputs = await outputsOf(job);
  assert.ok(
    ['original-rule', 'deep-archive', 'glacier-ir', 'intelligent-tiering', 'standard'].includes(
      outputs.cheapest ?? '',
    ),
    `cheapest output: ${String(outputs.cheapest)}`,
  );
});
