/**
 * Regenerates the README's option table and action.yml from src/config/options.ts, and the README's
 * layout from scripts/layers.js.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { actionYml } from '../src/config/action-yml.ts';
import { withOptionsTable } from '../src/config/readme-options.ts';
import { withLayout } from './layout.ts';

const readme = await readFile('README.md', 'utf8');
await writeFile('README.md', withLayout(withOptionsTable(readme)));
await writeFile('action.yml', actionYml());
