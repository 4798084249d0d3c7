/**
 * Preloaded into a measured process (`node --import ./bench/usage-probe.ts …`): when it exits, it
 * writes its own CPU time and peak RSS to the file named by BENCH_USAGE_FILE. The process reports
 * itself, so nothing has to sample it from outside and nothing is missed at its end.
 */
import { writeFileSync } from 'node:fs';

const file = process.env.BENCH_USAGE_FILE;
if (file !== undefined && file !== '') {
  process.on('exit', () => {
    const usage = process.resourceUsage();
    const report = {
      cpuSeconds: (usage.userCPUTime + usage.systemCPUTime) / 1e6,
      maxRssBytes: usage.maxRSS * 1024,
    };
    writeFileSync(file, JSON.stringify(report));
  });
}
