/** Regenerates the README's option table and action.yml from src/config/options.ts. */
import { readFile, writeFile } from 'node:fs/promises';
import { actionYml } from '../src/config/action-yml.ts';
import { withOptionsTable } from '../src/config/options-table.ts';

const readme = await readFile('README.md', 'utf8');
await writeFile('README.md', withOptionsTable(readme));
await writeFile('action.yml', actionYml());
