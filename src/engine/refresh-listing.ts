import type { Ledger } from '../ledger/ledger.ts';
import { PathFilter } from './filters.ts';
import {
  updateInventory,
  type InventoryOptions,
  type InventoryResult,
  type InventorySettings,
} from './inventory.ts';
import type { KeyRules } from './keys.ts';
import { reconcile, type ReconcileResult } from './reconcile.ts';
import type { ListingSettings } from './settings.ts';
import type { Source } from './source.ts';
import type { Target } from './target.ts';

export interface RefreshedListing {
  readonly inventory: InventoryResult;
  /** Set after a listing of everything: pending files found already stored. */
  readonly reconciled: ReconcileResult | undefined;
}

/** What the inventory of one shard needs, for a target with these key limits. */
export function inventorySettingsFor(
  listing: ListingSettings,
  keyLimits: KeyRules['limits'],
): InventorySettings {
  const { shard } = listing;
  return {
    sourcePath: listing.sourcePath,
    prefix: listing.prefix,
    keyCase: listing.keyCase,
    shard,
    filter: new PathFilter(listing.filters),
    exports: listing.exports,
    toolPrefix: listing.toolPrefix,
    keyLimits,
    recordOtherShards: shard.index === 0 && shard.count > 1,
  };
}

/**
 * Brings the ledger up to date with the source (chunk and verify both start with it). After a
 * listing of everything (the first, or after a reset cursor), objects already in the target are
 * matched to pending files, so they are not copied again: the target is the truth, the ledger an
 * index.
 */
export async function refreshListing(
  ledger: Ledger,
  deps: { readonly source: Source; readonly target: Target },
  listing: ListingSettings,
  options: InventoryOptions,
): Promise<RefreshedListing> {
  const settings = inventorySettingsFor(listing, deps.target.limits);
  const inventory = await updateInventory(ledger, deps.source, settings, options);
  if (!inventory.fullListing) return { inventory, reconciled: undefined };
  const reconciled = await reconcile(ledger, deps.target, {
    prefix: listing.prefix,
    toolPrefix: listing.toolPrefix,
    now: options.now,
  });
  return { inventory, reconciled };
}
