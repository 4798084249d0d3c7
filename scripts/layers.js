// The layers of src/, top to bottom: the one place the layering is written down. eslint.config.js
// builds the import-boundary rule from it and `npm run docs` writes the README's layout from it.
// Plain JavaScript so that eslint.config.js can import it on any Node, without a TypeScript loader;
// its types are in layers.d.ts.

/**
 * A module may import from its own folder (or its own layer) and from any layer below it; never
 * from a layer above. A path ending in `/` is a folder with everything under it, any other is one
 * file.
 */
export const LAYERS = [
  {
    name: 'front doors',
    paths: [
      {
        path: 'src/action/',
        about: 'the GitHub Action: main, post, finalize; inputs, state, summary, ledger stores',
      },
      {
        path: 'src/cli/',
        about: 'the command-line front door: migrate, plan, verify, status, auth',
      },
    ],
  },
  {
    name: 'wiring',
    paths: [
      {
        path: 'src/wiring/',
        about: 'opens the Source, the Target, the S3 client and ledger store from a Config',
      },
    ],
  },
  {
    name: 'plan, report',
    paths: [
      { path: 'src/plan/', about: 'the cost plan: tally the account, price it, render it' },
      {
        path: 'src/report/',
        about: 'failures, shard figures, the summary issue (behind an IssueTracker)',
      },
    ],
  },
  {
    name: 'config',
    paths: [
      {
        path: 'src/config/',
        about:
          'the option table (typed defaults), validated into one Config; builds EngineSettings',
      },
    ],
  },
  {
    name: 'adapters',
    paths: [
      {
        path: 'src/dropbox/',
        about:
          'the Dropbox Source and its settings: auth, listing, streamed ranged downloads, errors',
      },
      {
        path: 'src/s3/',
        about:
          'the S3 Target and its settings: uploads, limits, errors, storage classes, lifecycle, ledger store',
      },
    ],
  },
  {
    name: 'engine',
    paths: [
      {
        path: 'src/engine/',
        about:
          'EngineSettings, Source and Target interfaces, content hash, keys; inventory, transfer, verify, the chunk',
      },
    ],
  },
  {
    name: 'ledger',
    paths: [
      {
        path: 'src/ledger/',
        about: 'the append-only ledger: journal, snapshot, lock, the store interface',
      },
    ],
  },
  {
    name: 'plain helpers',
    paths: [
      {
        path: 'src/errors.ts',
        about: 'MigrationError: kind (retryable, permanent, fatal) and failure class',
      },
      { path: 'src/format.ts', about: 'formatBytes, formatDuration' },
      { path: 'src/version.ts', about: "the tool's version, from package.json" },
      { path: 'src/signals.ts', about: 'stop signals for a chunk (SIGINT, SIGTERM)' },
    ],
  },
];

/** Pairs in one layer that never import each other, in either direction. */
export const APART = [
  ['src/action/', 'src/cli/'],
  ['src/dropbox/', 'src/s3/'],
];

/** Pairs in one layer where the first may import the second but never the other way round. */
export const ONE_WAY = [['src/plan/', 'src/report/']];

/**
 * Packages that would tie a layer to a backend or to GitHub. The engine, the ledger and the plain
 * helpers import none of them: the adapters and the front doors do.
 */
export const BACKEND_PACKAGES = ['@actions', '@aws-sdk', '@octokit', 'dropbox'];
export const BACKEND_FREE_LAYERS = ['engine', 'ledger', 'plain helpers'];

/** Everything outside src/: free to import anything, listed for the README's layout. */
export const OUTSIDE_SRC = [
  {
    path: 'test/unit/',
    about:
      'one module at a time, and engine rules through the in-memory Source and Target; no server',
  },
  {
    path: 'test/contract/',
    about:
      'the real SDKs against the stand-ins; one Source and one Target contract that fakes and real adapters pass',
  },
  {
    path: 'test/integration/',
    about: 'the CLI, the action and the engine end to end, on loopback',
  },
  { path: 'test/reliability/', about: 'kills, fault storms, bad input, hostile names, secrets' },
  {
    path: 'test/emulators/',
    about: 'Dropbox emulator, S3 harness, GitHub Actions runtime and REST',
  },
  {
    path: 'test/support/',
    about:
      'what tests share: the test bed, in-memory Source and Target with faults, builders, tools',
  },
  { path: 'scripts/', about: 'bundle, demo, docs, reliability runner; layers.js (the layers)' },
  { path: 'bench/', about: '`npm run bench`: scenarios, raw pipe, measured processes; results/' },
  { path: 'dist/', about: 'bundles built by `npm run bundle` (committed: the action runs them)' },
];
