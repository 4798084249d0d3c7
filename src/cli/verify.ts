import type { Config } from '../config/config.ts';
import { engineSettings } from '../config/engine-settings.ts';
import { runVerify, type VerifyProgress, type VerifyResult } from '../engine/verify.ts';
import { openSource, openTarget } from '../wiring/open.ts';
import { EXIT } from './exit-codes.ts';

const LINE_EVERY_MS = 10_000;

/** `dropbox-to-s3 verify`: 0 when every migrated file's object matches, 1 when one differs. */
export async function runVerifyCommand(config: Config): Promise<number> {
  const result = await runVerify(engineSettings(config), {
    source: openSource(config),
    target: openTarget(config),
    progress: stderrLines(),
  });
  report(config, result);
  return result.differences.length === 0 ? EXIT.ok : EXIT.fatal;
}

/** Notes as they come, and how far the check is at most every ten seconds. */
function stderrLines(): VerifyProgress {
  let last = Date.now();
  return {
    note: (line) => {
      process.stderr.write(`${line}\n`);
    },
    checked: (done, total) => {
      const now = Date.now();
      if (now - last < LINE_EVERY_MS && done < total) return;
      last = now;
      process.stderr.write(`Checked ${String(done)}/${String(total)} files\n`);
    },
  };
}

function report(config: Config, result: VerifyResult): void {
  if (config.json) {
    process.stdout.write(
      `${JSON.stringify({
        checked: result.checked,
        differences: result.differences.map(({ path, key, reason, detail }) => ({
          path,
          key,
          reason,
          detail,
        })),
        requeued: result.requeued,
        notMigrated: { pending: result.pending, failed: result.failed },
        deleted: result.deleted,
      })}\n`,
    );
  } else {
    for (const found of result.differences) {
      process.stdout.write(`${found.reason}\t${found.path}\t${found.key}\t${found.detail}\n`);
    }
  }
  const count = result.differences.length;
  const lines = [
    `Verified ${String(result.checked)} migrated files (${result.deep ? 'deep: bytes re-hashed' : 'size and stored hash'}): ` +
      (count === 0 ? 'no differences.' : `${String(count)} differ${count === 1 ? 's' : ''}.`),
    `Not migrated: ${String(result.pending)} pending, ${String(result.failed)} failed (see status). ` +
      `${String(result.deleted)} deleted in Dropbox (their objects are kept).`,
  ];
  if (config.verify.requeue && count > 0) {
    lines.push(
      `Marked ${String(result.requeued)} of them pending again: the next migrate copies them.`,
    );
  } else if (count > 0) {
    lines.push('Run verify again with --requeue to have the next migrate copy them again.');
  }
  process.stderr.write(`${lines.join('\n')}\n`);
}
