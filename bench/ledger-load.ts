/**
 * The engine's own share of "load and plan", without the Dropbox delta call: reads a ledger with
 * the engine's ledger code (as a chunk opens it) and chooses the pending files as a chunk does.
 * Run bundled, in its own process, by the resume scenario.
 *
 *   node ledger-load.js DIR   → {"files": n, "pending": n, "seconds": s}
 */
import { LedgerView } from '../src/ledger/ledger.ts';

const dir = process.argv[2];
if (dir === undefined) throw new Error('usage: ledger-load DIR');
const started = performance.now();
const ledger = await LedgerView.inspect(dir);
if (ledger === undefined) throw new Error(`no ledger in ${dir}`);
let pending = 0;
for (const record of ledger.records()) {
  if (record.status === 'pending' && record.deletedAt === undefined) pending += 1;
}
const seconds = (performance.now() - started) / 1000;
process.stdout.write(`${JSON.stringify({ files: ledger.size, pending, seconds })}\n`);
