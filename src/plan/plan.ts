import type { Config } from '../config/config.ts';
import { systemClock, type Clock } from '../engine/clock.ts';
import { updateInventory } from '../engine/inventory.ts';
import { inventorySettingsFor } from '../engine/refresh-listing.ts';
import { WHOLE_ACCOUNT } from '../engine/shard.ts';
import type { EngineSettings } from '../engine/settings.ts';
import type { Source } from '../engine/source.ts';
import type { TargetLimits } from '../engine/target.ts';
import { costOver, HORIZONS, STRATEGIES, type CostBreakdown, type Strategy } from './cost.ts';
import { loadPrices, type PriceTable } from './prices.ts';
import { DEFAULT_RATE, estimateTransfer, measuredRate, type TransferEstimate } from './rate.ts';
import { ListingTally, type Listing } from './tally.ts';

export interface StrategyPlan {
  readonly id: string;
  readonly name: string;
  readonly uploadClass: string;
  readonly transitions: readonly { readonly storageClass: string; readonly days: number }[];
  /** What the current --storage-class and --lifecycle give. */
  readonly current: boolean;
  readonly horizons: readonly CostBreakdown[];
}

/** Everything `plan` found and estimated; rendered as text, markdown or JSON. */
export interface Plan {
  readonly generatedAt: string;
  readonly settings: {
    readonly sourcePath: string;
    readonly prefix: string;
    readonly keyCase: string;
    readonly include: readonly string[];
    readonly exclude: readonly string[];
    readonly exports: string;
    readonly teamRoot: boolean;
    readonly storageClass: string;
    readonly lifecycle: string;
    readonly pricesFile: string | undefined;
  };
  readonly listing: Listing & { readonly listCalls: number; readonly listingMs: number };
  readonly prices: PriceTable;
  readonly transfer: TransferEstimate;
  readonly horizons: readonly number[];
  readonly strategies: readonly StrategyPlan[];
  /** The cheapest strategy's id at each horizon. */
  readonly cheapest: readonly {
    readonly months: number;
    readonly id: string;
    readonly total: number;
  }[];
  readonly assumptions: readonly string[];
}

export const ASSUMPTIONS: readonly string[] = [
  'Every object is uploaded on day 0 and kept past the horizon; a month is 30 days; GB is 2^30 bytes; first-tier (first 50 TB) prices.',
  'Objects under 128 KiB are not moved by lifecycle rules (S3 default): they stay in the class they were written in.',
  'GLACIER and DEEP_ARCHIVE add 8 KiB per object at the STANDARD price and 32 KiB at their own; GLACIER_IR bills objects under 128 KiB as 128 KiB.',
  'Minimum storage duration (GLACIER 90 days, DEEP_ARCHIVE 180, GLACIER_IR 90) is charged when an object leaves a class early within the horizon (the original rule moves objects out of GLACIER after 60 days: 30 more days are billed); what deleting everything at the end of the horizon would add is shown apart, not in the total.',
  'INTELLIGENT_TIERING with no access: frequent tier for 30 days, infrequent to day 90, archive instant after; objects under 128 KiB are not monitored and stay at the frequent price; the optional archive tiers are not used.',
  'Not counted: retrievals and GETs, LIST and HEAD calls of verify and reconcile, the manifest, data transfer (into S3 is free).',
  'GitHub Actions minutes are free for public repositories and within the plan’s included minutes; the figure is for a Linux runner beyond them.',
];

export interface PlanDependencies {
  readonly source: Source;
  /** What the target will allow (keys, parts): plan checks keys and counts requests with it. */
  readonly targetLimits: TargetLimits;
  readonly clock?: Clock;
  readonly signal?: AbortSignal;
  readonly log?: (line: string) => void;
}

/** The strategy the current flags give: one of STRATEGIES when it matches, else its own. */
function currentStrategy(config: Config): Strategy {
  return {
    id: 'current',
    name: 'Your flags',
    uploadClass: config.s3.storageClass,
    transitions: config.lifecycle?.transitions ?? [],
  };
}

function sameStrategy(a: Strategy, b: Strategy): boolean {
  return (
    a.uploadClass === b.uploadClass &&
    a.transitions.length === b.transitions.length &&
    a.transitions.every(
      (step, index) =>
        step.storageClass === b.transitions[index]?.storageClass &&
        step.days === b.transitions[index].days,
    )
  );
}

function lifecycleText(config: Config): string {
  const transitions = config.lifecycle?.transitions;
  if (transitions === undefined) return 'none';
  return transitions.map((step) => `${step.storageClass}:${String(step.days)}`).join(',') || 'none';
}

/** Lists the account (nothing is written anywhere) and estimates each strategy's cost. */
export async function buildPlan(
  config: Config,
  settings: EngineSettings,
  deps: PlanDependencies,
): Promise<Plan> {
  // Prices first: a bad --prices file fails before a long listing.
  const prices = await loadPrices(config.plan.pricesFile);
  const clock = deps.clock ?? systemClock;
  const started = clock.now();
  const tally = new ListingTally(settings.listing.sourcePath, {
    configured: settings.transfer.partSizeBytes,
    limits: deps.targetLimits,
    blockSize: deps.source.contentHash.blockSize,
  });
  const inventory = await updateInventory(
    tally,
    deps.source,
    {
      ...inventorySettingsFor(settings.listing, deps.targetLimits),
      shard: WHOLE_ACCOUNT,
      recordOtherShards: false,
    },
    {
      clock,
      signal: deps.signal ?? new AbortController().signal,
      now: () => new Date(clock.now()).toISOString(),
      log: deps.log ?? (() => undefined),
      onLeftOut: (file, why) => {
        tally.leftOut(file, why);
      },
    },
  );
  const listingMs = clock.now() - started;
  const listing = tally.result();
  const rate = (await measuredRate(config.ledgerRoot)) ?? {
    ...DEFAULT_RATE,
    source: 'default' as const,
    chunks: 0,
  };
  const transfer = estimateTransfer(listing.migrate, {
    rate,
    listingSeconds: listingMs / 1000,
    pricePerMinute: prices.actions.linuxPerMinute,
  });
  const current = currentStrategy(config);
  const strategies = STRATEGIES.some((strategy) => sameStrategy(strategy, current))
    ? STRATEGIES
    : [...STRATEGIES, current];
  const planned: StrategyPlan[] = strategies.map((strategy) => ({
    id: strategy.id,
    name: strategy.name,
    uploadClass: strategy.uploadClass,
    transitions: strategy.transitions,
    current: sameStrategy(strategy, current),
    horizons: HORIZONS.map((months) =>
      costOver(strategy, { objects: listing.objects, prices, months, actions: transfer.cost }),
    ),
  }));
  return {
    generatedAt: new Date(clock.now()).toISOString(),
    settings: {
      sourcePath: config.dropbox.sourcePath,
      prefix: config.s3.prefix,
      keyCase: config.keyCase,
      include: config.filters.include,
      exclude: config.filters.exclude,
      exports: settings.ledger.pinned.exports ?? 'export',
      teamRoot: config.dropbox.teamRoot,
      storageClass: config.s3.storageClass,
      lifecycle: lifecycleText(config),
      pricesFile: config.plan.pricesFile,
    },
    listing: { ...listing, listCalls: inventory.listCalls, listingMs },
    prices,
    transfer,
    horizons: HORIZONS,
    strategies: planned,
    cheapest: HORIZONS.map((months, index) => {
      const best = cheapestAt(planned, index);
      return { months, id: best.id, total: best.horizons[index]?.total ?? 0 };
    }),
    assumptions: ASSUMPTIONS,
  };
}

function cheapestAt(strategies: readonly StrategyPlan[], index: number): StrategyPlan {
  const total = (strategy: StrategyPlan): number =>
    strategy.horizons[index]?.total ?? Number.POSITIVE_INFINITY;
  return strategies.reduce((best, strategy) => (total(strategy) < total(best) ? strategy : best));
}
