import * as core from '@actions/core';
import { messageOf } from '../../errors.ts';
import { openS3 } from '../../wiring/open.ts';
import { stepContext } from '../context.ts';
import { readConfig } from '../inputs.ts';
import { mainRestored, mainSaved } from '../state.ts';
import { ledgerStoreFor } from '../stores/index.ts';

/**
 * The action's post step: when main was cancelled or died before saving the ledger, save what its
 * journal holds (every finished file is in it), under a key distinct from main's.
 */
export async function run(): Promise<void> {
  try {
    if (mainSaved()) {
      core.info('The main step saved the ledger; nothing to do.');
      return;
    }
    // Before main restored the shard's ledger, the local folder holds nothing worth saving:
    // saving it would hide the last good ledger behind a newer, emptier one.
    if (!mainRestored()) {
      core.info('The main step stopped before restoring the ledger; nothing to save.');
      return;
    }
    const config = readConfig();
    const s3 = openS3(config);
    const store = ledgerStoreFor(config, stepContext(), s3);
    await store.save(config.ledgerDir, 'post');
    core.info(`The main step did not finish; its ledger was saved to ${store.description}.`);
  } catch (error) {
    core.setFailed(messageOf(error));
  }
}
