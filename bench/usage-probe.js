/**
 * Preloaded into a measured process (`node --import ./bench/usage-probe.js …`): when it exits, it
 * writes its own CPU time and peak RSS to the file named by BENCH_USAGE_FILE. The process reports
 * itself, so nothing samples it from outside and nothing is missed at its end. Plain JavaScript on
 * purpose: a TypeScript preload would make Node load its type stripper into the measured process.
 */
import { writeFileSync } from 'node:fs';
import process from 'node:process';

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
