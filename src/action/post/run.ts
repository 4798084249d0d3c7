import * as core from '@actions/core';

/**
 * The action's post step: it will persist the ledger when the main step was cancelled or died.
 * With no engine in this build there is nothing to persist.
 */
export async function run(): Promise<void> {
  try {
    await Promise.resolve();
    core.info('dropbox-to-s3 post: nothing to persist.');
  } catch (error) {
    core.setFailed(error instanceof Error ? error.message : String(error));
  }
}
