import * as core from '@actions/core';

/**
 * What main tells post (`core.saveState`): whether it restored the ledger (so the folder holds the
 * shard's real ledger, worth saving) and whether it saved it itself (so post has nothing to do).
 */
const RESTORED = 'ledger-restored';
const SAVED = 'ledger-saved';

export function markRestored(): void {
  core.saveState(RESTORED, 'true');
}

export function markSaved(): void {
  core.saveState(SAVED, 'true');
}

export function mainRestored(): boolean {
  return core.getState(RESTORED) === 'true';
}

export function mainSaved(): boolean {
  return core.getState(SAVED) === 'true';
}
