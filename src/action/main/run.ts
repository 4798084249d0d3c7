import * as core from '@actions/core';
import { VERSION } from '../../version.ts';

/**
 * The action's main step. The engine it will drive arrives in a later release; until then the
 * step fails plainly instead of pretending to migrate anything.
 */
export async function run(): Promise<void> {
  try {
    await Promise.resolve();
    throw new Error(
      `dropbox-to-s3 ${VERSION} does not migrate yet: this build holds the project's foundation ` +
        '(test bed and toolchain). Use a released version of the action.',
    );
  } catch (error) {
    core.setFailed(error instanceof Error ? error.message : String(error));
  }
}
