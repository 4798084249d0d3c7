// The Target contract (target-contract.ts) against S3Target on the S3 harness and against
// MemoryTarget, the in-memory fake the engine's unit tests use: both must pass it.
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { after, before } from 'node:test';
import { startS3, type S3Harness } from '../emulators/s3/index.ts';
import { MemoryTarget } from '../support/memory-target.ts';
import { harnessTarget } from '../support/testbed.ts';
import { targetContract } from './target-contract.ts';

targetContract('MemoryTarget', () => {
  const target = new MemoryTarget();
  return Promise.resolve({
    target,
    storedModified: (key) => Promise.resolve(target.object(key)?.metadata?.modified),
  });
});

// One server for every test (each works under its own prefix): it is a process of its own.
let s3: S3Harness;
before(async () => {
  s3 = await startS3();
});
after(async () => {
  await s3.stop();
});

targetContract('S3Target on the S3 harness', () =>
  Promise.resolve({
    target: harnessTarget(s3),
    storedModified: async (key) => {
      const head = await s3.client().send(new HeadObjectCommand({ Bucket: s3.bucket, Key: key }));
      // S3Target writes the time as rclone reads it: seconds since 1970 in `mtime`.
      const seconds = head.Metadata?.mtime;
      return seconds === undefined ? undefined : new Date(Number(seconds) * 1000).toISOString();
    },
  }),
);
