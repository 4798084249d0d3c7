/** Regenerates the README's option table from src/config/options.ts. */
import { readFile, writeFile } from 'node:fs/promises';
import { withOptionsTable } from '../src/config/options-table.ts';

const readme = await readFile('README.md', 'utf8');
await writeFile('README.md', withOptionsTable(readme));
