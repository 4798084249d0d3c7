import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { readShardLedgers } from '../../src/report/shards.ts';
import { summaryIssue } from '../../src/report/summary-issue.ts';
import {
  assertNoSecrets,
  copiedAgain,
  listKeys,
  migrateArgs,
  objectBytes,
  parseChunkLine,
  readLedger,
  sha256,
  startCli,
  writesPerKey,
} from '../support/reliability.ts';
import { cell, PROFILE, writeResult } from '../support/profile.ts';
import { renderGfm } from '../support/tools.ts';
import { flagsToArgs, startTestbed } from '../support/testbed.ts';

const PREFIX = 'hostile';
/** Folders deep enough that any name below them makes a key longer than S3's 1024 bytes. */
const DEEP = Array.from({ length: 5 }, (_, i) => `${String(i)}${'d'.repeat(200)}`).join('/');

type Result = 'migrated' | 'key_too_long';

interface NameRow {
  /** What is hostile about it, as the table shows it. */
  readonly input: string;
  /** Paths of the files below the account's root (twins are two files). */
  readonly paths: readonly string[];
  readonly expected: Result;
}

/**
 * Names a hostile or unlucky Dropbox user could have. The README: keys are the paths, never
 * normalised or escaped; a key over 1024 bytes is a permanent `key_too_long` failure; names in
 * reports are inert. Every name also goes below DEEP, so it is a failure in the reports too.
 */
const NAMES: readonly NameRow[] = [
  {
    input: 'control characters (BEL, ESC, DEL)',
    paths: ['ctl-\u0007bell-\u001b[31mred-\u007f.txt'],
    expected: 'migrated',
  },
  {
    input: 'tab, line feed, carriage return',
    paths: ['tab\there line\nbreak cr\rreturn.txt'],
    expected: 'migrated',
  },
  {
    input: 'Markdown',
    paths: ['**bold** _em_ [x](https:evil.example) ![i](x.png) # h `code`.md'],
    expected: 'migrated',
  },
  {
    input: 'HTML',
    paths: ['<img src=x onerror=alert(1)> <script>alert(1)<!-- x.html'],
    expected: 'migrated',
  },
  {
    input: '@mention, #reference, e-mail',
    paths: ['cc @octocat and @github-security #1 GH-2 a@b.example.txt'],
    expected: 'migrated',
  },
  { input: 'table pipes and forged row', paths: ['a | b | c ||| --- |.csv'], expected: 'migrated' },
  {
    input: 'bidi override, zero-width',
    paths: ['invoice\u202Egpj.exe \u200Bzero\uFEFF.txt'],
    expected: 'migrated',
  },
  {
    input: 'URL-special characters',
    paths: ['100% ?query=1&x=2#frag +plus ~tilde.txt'],
    expected: 'migrated',
  },
  { input: 'leading and trailing spaces', paths: ['  spaced name  .txt'], expected: 'migrated' },
  { input: 'very long name (255 bytes)', paths: [`${'L'.repeat(251)}.txt`], expected: 'migrated' },
  {
    input: 'very long path (key over 1024 bytes)',
    paths: [`${DEEP}/plain.txt`],
    expected: 'key_too_long',
  },
  {
    input: 'NFC/NFD twins',
    paths: ['Twins/caf\u00e9.txt', 'Twins/cafe\u0301.txt'],
    expected: 'migrated',
  },
  {
    input: 'case twins in different folders',
    paths: ['Twins/One/Report.TXT', 'Twins/Two/report.txt'],
    expected: 'migrated',
  },
  {
    input: 'emoji and joiners',
    paths: ['👨\u200D👩\u200D👧 family ❤\uFE0F.txt'],
    expected: 'migrated',
  },
];

/**
 * A table cell holding `text` as a code span: no escapes work inside one except `\|`, which GFM
 * tables need even there; a backtick would end the span, so it is shown as a quote.
 */
function codeCell(text: string): string {
  return `\`${text.replaceAll('`', "'").replaceAll('|', '\\|')}\``;
}

/** A JavaScript string literal of a name, with control characters shown, for the table. */
function shown(path: string): string {
  const literal = JSON.stringify(path).replace(
    // eslint-disable-next-line no-misleading-character-class -- combining marks shown one by one
    /[\u007f-\u009f\u0300-\u036f\u200b-\u200f\u202a-\u202e\ufeff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  return literal.length > 70 ? `${literal.slice(0, 69)}…` : literal;
}

test(`hostile file names (${String(NAMES.length)} rows): each gives its documented result, and reports stay inert`, async (t) => {
  const bed = await startTestbed({ warn: () => undefined });
  t.after(() => bed.close());
  const content = new Map<string, Buffer>();
  for (const row of NAMES) {
    for (const path of row.paths) {
      // The same name again below DEEP: a key_too_long failure, so it shows in every report.
      for (const at of [path, `${DEEP}/${path.split('/').at(-1) ?? ''}`]) {
        // One folder cannot hold case twins in Dropbox: the twin below DEEP is left out.
        if ([...content.keys()].some((known) => known.toLowerCase() === at.toLowerCase())) continue;
        const bytes = Buffer.from(`${at}\n${sha256(Buffer.from(at))}`);
        await mkdir(dirname(join(bed.root, at)), { recursive: true });
        await writeFile(join(bed.root, at), bytes);
        content.set(at, bytes);
      }
    }
  }
  const args = migrateArgs(bed, { prefix: PREFIX, json: true });
  const first = await startCli(bed, args).exited;
  assert.equal(first.code, 0, first.stderr);
  assert.equal(parseChunkLine(first.stdout).done, true);

  // What each name became: its object (bytes equal, key = prefix + path, byte for byte), or a
  // permanent failure of the expected class.
  const client = bed.s3.client();
  const keys = new Set(await listKeys(client, bed.s3.bucket));
  const ledger = await readLedger(bed);
  const actualOf = async (path: string): Promise<string> => {
    const key = `${PREFIX}/${path}`;
    if (keys.has(key)) {
      const same = (await objectBytes(client, bed.s3.bucket, key)).equals(
        content.get(path) ?? Buffer.alloc(0),
      );
      return same ? 'migrated' : 'corrupt';
    }
    const record = ledger.atPath(`/${path}`.toLowerCase());
    return record?.status === 'failed'
      ? (record.failure?.failureClass ?? 'failed')
      : `missing (${record?.status ?? 'no record'})`;
  };
  const lines = [
    '| name | path | documented result | actual | |',
    '| --- | --- | --- | --- | --- |',
  ];
  const mismatches: string[] = [];
  for (const row of NAMES) {
    for (const path of row.paths) {
      const actual = await actualOf(path);
      if (actual !== row.expected) mismatches.push(`${row.input}: ${shown(path)} is ${actual}`);
      lines.push(
        `| ${cell(row.input)} | ${codeCell(shown(path))} | ${row.expected} | ${actual} | ${actual === row.expected ? '✓' : '✗'} |`,
      );
    }
  }
  // Every copy below DEEP failed for good as key_too_long, and nothing else is in the bucket.
  const deep = [...content.keys()].filter((path) => path.startsWith(`${DEEP}/`));
  for (const path of deep) {
    const actual = await actualOf(path);
    if (actual !== 'key_too_long') mismatches.push(`${shown(path)} below DEEP is ${actual}`);
  }
  const expectedKeys = [...content.keys()]
    .filter((path) => !path.startsWith(`${DEEP}/`))
    .map((path) => `${PREFIX}/${path}`);
  assert.deepEqual([...keys].sort(), expectedKeys.sort(), 'one object for each name, nothing else');

  // A lost ledger: the rebuilt one finds every object again by listing the bucket (keys with
  // control characters included), and copies nothing twice.
  const rebuilt = await startCli(bed, [...args, '--reset-ledger']).exited;
  assert.equal(rebuilt.code, 0, rebuilt.stderr);
  assert.equal(parseChunkLine(rebuilt.stdout).chunk.migrated, 0, 'nothing was copied again');
  assert.equal(copiedAgain(await writesPerKey(bed, `${PREFIX}/`)).keys, 0);

  // Reports: the summary issue GitHub would show, rendered, has no link, image, HTML or
  // formatting from a name, and no live mention.
  const shards = await readShardLedgers([{ shard: '0/1', dir: join(bed.ledger, 'shard-0-of-1') }]);
  const issue = summaryIssue(shards, {
    run: { serverUrl: 'https://github.com', repository: 'octo/migrate' },
  });
  assert.equal(issue.failuresShown, deep.length, 'every hostile name is listed in the issue');
  const html = renderGfm(issue.body);
  const cells = [...html.matchAll(/<td>(.*?)<\/td>/gs)].map((match) => match[1] ?? '');
  assert.ok(cells.length >= 2 * deep.length, 'each failure is one table row of two cells');
  for (const text of cells) assert.doesNotMatch(text, /</, `HTML or formatting in a cell: ${text}`);
  assert.doesNotMatch(html, /<(img|script)\b/, 'an image or script from a name');
  assert.doesNotMatch(html, /evil\.example"|href="mailto/, 'a link from a name');
  assert.doesNotMatch(html, /@octocat|@github-security/, 'a live mention');
  // status, as a person reads it on a terminal: no control character from a name reaches it.
  // It shows 3 failures a class, so the other failing copies are deleted in Dropbox first (they
  // then show as deletions): the failures left are the names with control characters.
  const withControls = deep.filter((path) =>
    // eslint-disable-next-line no-control-regex -- the point
    /[\u0000-\u001f\u007f]/.test(path.slice(DEEP.length + 1)),
  );
  assert.ok(withControls.length > 0 && withControls.length <= 3);
  for (const path of deep) if (!withControls.includes(path)) await rm(join(bed.root, path));
  const after = await startCli(bed, args).exited;
  assert.equal(after.code, 0, after.stderr);
  const status = await startCli(bed, ['status', ...flagsToArgs({ ledger: bed.ledger })]).exited;
  assert.equal(status.code, 0, status.stderr);
  assert.doesNotMatch(
    status.stdout + status.stderr,
    // eslint-disable-next-line no-control-regex -- the point
    /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e]/,
    'a control character printed by status',
  );
  assert.match(
    status.stdout,
    /ctl-\\x07bell-\\x1b\[31mred-\\x7f\.txt/,
    'the name is shown with its control characters as escapes',
  );
  assert.match(status.stdout, /tab\\there line\\nbreak cr\\rreturn\.txt/);
  await assertNoSecrets(
    bed,
    assert.ok,
    first.stdout,
    first.stderr,
    after.stderr,
    status.stdout,
    status.stderr,
  );

  const folder = process.env.RELIABILITY_RESULTS;
  if (folder !== undefined && folder !== '') {
    await writeResult(
      folder,
      'hostile-names.md',
      [
        `### Hostile file names (${String(NAMES.length)} rows)`,
        '',
        ...lines,
        '',
        `Each name is also migrated below folders that make its key longer than 1024 bytes: all ${String(deep.length)} are \`key_too_long\` failures, listed in the summary issue, which renders (cmark-gfm) with no link, image, HTML, formatting or mention from a name. After \`--reset-ledger\` every object is found again by listing the bucket; nothing is copied twice.`,
      ].join('\n'),
    );
  }
  t.diagnostic(
    `hostile names: ${String(NAMES.length - mismatches.length)}/${String(NAMES.length)} as documented (${PROFILE} profile)`,
  );
  assert.deepEqual(mismatches, []);
});
