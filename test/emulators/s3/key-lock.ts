const tails = new Map<string, Promise<void>>();

/**
 * Runs `work` after every earlier holder of `name` has finished. The harness takes it around the
 * few steps that must look atomic to other requests: committing an object's data, ETag and
 * metadata files; reading them for a GET; deleting them; completing or aborting an upload.
 */
export async function withLock<T>(name: string, work: () => Promise<T>): Promise<T> {
  const previous = tails.get(name) ?? Promise.resolve();
  let release = (): void => undefined;
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  const tail = previous.then(() => held);
  tails.set(name, tail);
  await previous;
  try {
    return await work();
  } finally {
    release();
    if (tails.get(name) === tail) tails.delete(name);
  }
}

export function objectLockName(bucket: string, key: string): string {
  return `object\0${bucket}\0${key}`;
}

export function uploadLockName(bucket: string, uploadId: string): string {
  return `upload\0${bucket}\0${uploadId}`;
}
