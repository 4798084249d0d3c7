import type { Config } from '../config/config.ts';
import { engineSettings } from '../config/engine-settings.ts';
import { buildPlan } from '../plan/plan.ts';
import { renderJson, renderText } from '../plan/render.ts';
import { openSource, targetLimits } from '../wiring/open.ts';
import { EXIT } from './exit-codes.ts';

/**
 * `dropbox-to-s3 plan`: lists the account (no ledger is written, S3 is not called) and prints what
 * would be migrated and what each storage strategy would cost. Nothing to save on Ctrl-C: the
 * default signal handling ends it. Returns the exit code.
 */
export async function runPlan(config: Config): Promise<number> {
  const note = (line: string): void => {
    process.stderr.write(`dropbox-to-s3: ${line}\n`);
  };
  if (!config.json) note('Listing the account to plan the migration; nothing is copied.');
  const plan = await buildPlan(config, engineSettings(config), {
    source: openSource(config, { note }),
    targetLimits: targetLimits(config),
    log: note,
  });
  process.stdout.write(config.json ? renderJson(plan) : renderText(plan));
  return EXIT.ok;
}
