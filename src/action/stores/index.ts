import type { S3Client } from '@aws-sdk/client-s3';
import type { Config } from '../../config/config.ts';
import type { LedgerStore } from '../../ledger/store.ts';
import { openS3LedgerStore } from '../../wiring/open.ts';
import type { StepContext } from '../context.ts';
import { ArtifactLedgerStore } from './artifact-store.ts';
import { CacheLedgerStore } from './cache-store.ts';

/** The store `ledger-store` names. */
export function ledgerStoreFor(config: Config, context: StepContext, s3: S3Client): LedgerStore {
  switch (config.action?.ledgerStore ?? 'cache') {
    case 's3':
      return openS3LedgerStore(config, s3);
    case 'artifact':
      return new ArtifactLedgerStore(config, context);
    case 'cache':
      return new CacheLedgerStore(config, context);
  }
}
