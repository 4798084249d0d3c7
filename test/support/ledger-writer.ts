// A child process for the ledger's kill tests (test/unit/ledger.test.ts): it writes records and
// acknowledges each one on stdout after `put` returned, until it is killed.
import { Ledger } from '../../src/ledger/ledger.ts';
import { SETTINGS, fileRecord } from './records.ts';

const dir = process.argv[2];
if (dir === undefined) throw new Error('usage: ledger-writer DIR');
const ledger = await Ledger.open(dir, SETTINGS);
for (let n = ledger.size; ; n += 1) {
  ledger.put(fileRecord(n, { status: 'migrated' }));
  process.stdout.write(`${String(n)}\n`);
  if (n % 500 === 499) await ledger.checkpoint();
  if (n % 50 === 0) await new Promise((resolve) => setImmediate(resolve));
}
