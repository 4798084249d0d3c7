import type { LifecycleTransition, StorageClass } from '../s3/storage-classes.ts';
import type { PriceTable } from './prices.ts';
import { SMALL_OBJECT_BYTES, type Count } from './tally.ts';

const KiB = 1024;
const GiB = 1024 * 1024 * KiB;
/** Months are 30 days: 12 months are 360 days. */
export const DAYS_PER_MONTH = 30;
export const HORIZONS: readonly number[] = [1, 12, 36];

/** Where objects are written and how a lifecycle rule moves them on. */
export interface Strategy {
  readonly id: string;
  readonly name: string;
  readonly uploadClass: StorageClass;
  readonly transitions: readonly LifecycleTransition[];
}

export const STRATEGIES: readonly Strategy[] = [
  {
    id: 'original-rule',
    name: 'Original rule: STANDARD → GLACIER@30 → DEEP_ARCHIVE@90',
    uploadClass: 'STANDARD',
    transitions: [
      { storageClass: 'GLACIER', days: 30 },
      { storageClass: 'DEEP_ARCHIVE', days: 90 },
    ],
  },
  {
    id: 'deep-archive',
    name: 'DEEP_ARCHIVE directly',
    uploadClass: 'DEEP_ARCHIVE',
    transitions: [],
  },
  { id: 'glacier-ir', name: 'GLACIER_IR directly', uploadClass: 'GLACIER_IR', transitions: [] },
  {
    id: 'intelligent-tiering',
    name: 'INTELLIGENT_TIERING (no access)',
    uploadClass: 'INTELLIGENT_TIERING',
    transitions: [],
  },
  { id: 'standard', name: 'STANDARD only (reference)', uploadClass: 'STANDARD', transitions: [] },
];

/** Rules of each class that are not prices: minimum days billed, minimum size billed. */
const MINIMUM_DAYS: Readonly<Record<StorageClass, number>> = {
  STANDARD: 0,
  STANDARD_IA: 30,
  ONEZONE_IA: 30,
  INTELLIGENT_TIERING: 0,
  GLACIER_IR: 90,
  GLACIER: 90,
  DEEP_ARCHIVE: 180,
  REDUCED_REDUNDANCY: 0,
};
const BILLED_AS_128_KIB: ReadonlySet<StorageClass> = new Set([
  'STANDARD_IA',
  'ONEZONE_IA',
  'GLACIER_IR',
]);
/** GLACIER and DEEP_ARCHIVE keep 8 KiB per object at STANDARD price and 32 KiB at their own. */
const OVERHEAD_CLASSES: ReadonlySet<StorageClass> = new Set(['GLACIER', 'DEEP_ARCHIVE']);
const OVERHEAD_STANDARD_BYTES = 8 * KiB;
const OVERHEAD_CLASS_BYTES = 32 * KiB;

export interface StorageLine {
  /** A class, or an Intelligent-Tiering tier ("INTELLIGENT_TIERING infrequent"). */
  readonly storageClass: string;
  readonly gbMonths: number;
  readonly cost: number;
}

/** USD over the first `months` months after the upload; `total` is what is charged in them. */
export interface CostBreakdown {
  readonly months: number;
  readonly storage: readonly StorageLine[];
  /** Storage of the Glacier classes' 8 KiB + 32 KiB per object. */
  readonly glacierOverhead: number;
  /** Intelligent-Tiering's monitoring fee. */
  readonly monitoring: number;
  readonly put: number;
  readonly transitions: number;
  /** Minimum storage duration charged when an object leaves a class early within the horizon. */
  readonly minimumDuration: number;
  /** GitHub Actions minutes for the migration (the same for every strategy). */
  readonly actions: number;
  readonly total: number;
  /** Not in `total`: the minimum-duration charges due if everything were deleted at the end. */
  readonly ifDeletedAtEnd: number;
}

export interface Objects {
  readonly small: Count;
  readonly large: Count;
  readonly uploadRequests: number;
}

/** Days [from, to) after the upload. */
interface Span {
  readonly from: number;
  readonly to: number;
}

interface Segment extends Span {
  readonly storageClass: StorageClass;
}

/**
 * Objects costed alike: all under 128 KiB, or all from it. Lifecycle rules do not move objects
 * under 128 KiB (S3's default since September 2024): they stay in the class they were written in.
 */
interface Group {
  readonly objects: Count;
  readonly movable: boolean;
}

/** What every group of one strategy's cost is worked out with, and where its costs add up. */
interface Costing {
  readonly strategy: Strategy;
  readonly prices: PriceTable;
  readonly horizonDays: number;
  readonly tally: Tally;
}

/** The classes the group's objects pass through. */
function timeline(strategy: Strategy, group: Group): Segment[] {
  const starts = [
    { storageClass: strategy.uploadClass, days: 0 },
    ...(group.movable ? strategy.transitions : []),
  ];
  return starts.map((start, index) => ({
    storageClass: start.storageClass,
    from: start.days,
    to: starts[index + 1]?.days ?? Number.POSITIVE_INFINITY,
  }));
}

class Tally {
  readonly storage = new Map<string, { gbMonths: number; cost: number }>();
  glacierOverhead = 0;
  monitoring = 0;
  transitions = 0;
  minimumDuration = 0;
  ifDeletedAtEnd = 0;

  addStorage(name: string, gbMonths: number, pricePerGbMonth: number): void {
    if (gbMonths <= 0) return;
    const line = this.storage.get(name) ?? { gbMonths: 0, cost: 0 };
    line.gbMonths += gbMonths;
    line.cost += gbMonths * pricePerGbMonth;
    this.storage.set(name, line);
  }
}

/** Price per GB-month of a class (Intelligent-Tiering's frequent tier for that class). */
function storagePrice(prices: PriceTable, storageClass: StorageClass): number {
  return storageClass === 'INTELLIGENT_TIERING'
    ? prices.s3.intelligentTiering.frequent
    : prices.s3.storage[storageClass];
}

/** One group of objects over days [0, horizonDays). */
function costGroup(group: Group, costing: Costing): void {
  const { objects, movable } = group;
  const { strategy, prices, horizonDays, tally } = costing;
  if (objects.files === 0) return;
  const billedBytes =
    !movable && BILLED_AS_128_KIB.has(strategy.uploadClass)
      ? objects.files * SMALL_OBJECT_BYTES
      : objects.bytes;
  const segments = timeline(strategy, group);
  for (const [index, segment] of segments.entries()) {
    if (segment.from >= horizonDays) break;
    const { storageClass } = segment;
    const end = Math.min(segment.to, horizonDays);
    const months = (end - segment.from) / DAYS_PER_MONTH;
    const price = storagePrice(prices, storageClass);
    const bytes = billedBytes;
    if (storageClass === 'INTELLIGENT_TIERING') {
      costTiers(group, { bytes, from: segment.from, to: end }, costing);
    } else {
      tally.addStorage(storageClass, (bytes / GiB) * months, price);
    }
    const overheadPerObject = OVERHEAD_CLASSES.has(storageClass) ? OVERHEAD_CLASS_BYTES : 0;
    if (overheadPerObject > 0) {
      tally.glacierOverhead +=
        ((objects.files * OVERHEAD_STANDARD_BYTES) / GiB) * months * prices.s3.storage.STANDARD +
        ((objects.files * overheadPerObject) / GiB) * months * price;
    }
    if (index > 0) {
      tally.transitions +=
        (objects.files / 1000) *
        prices.s3.transition[storageClass as keyof PriceTable['s3']['transition']];
    }
    const shortOf = (daysIn: number): number => Math.max(0, MINIMUM_DAYS[storageClass] - daysIn);
    const classBytes = bytes + objects.files * overheadPerObject;
    const chargeFor = (days: number): number =>
      (classBytes / GiB) * (days / DAYS_PER_MONTH) * price;
    if (segment.to < horizonDays) {
      tally.minimumDuration += chargeFor(shortOf(segment.to - segment.from));
    } else {
      tally.ifDeletedAtEnd += chargeFor(shortOf(horizonDays - segment.from));
    }
  }
}

/**
 * The group's billed `bytes` in Intelligent-Tiering over days [from, to), with no access: frequent
 * for 30 days, infrequent to day 90, then archive instant.
 */
function costTiers(
  group: Group,
  billed: Span & { readonly bytes: number },
  costing: Costing,
): void {
  const { bytes, from, to } = billed;
  const { tally } = costing;
  const tiers = costing.prices.s3.intelligentTiering;
  const gb = bytes / GiB;
  if (!group.movable) {
    // Under 128 KiB: not monitored, always billed at the frequent tier.
    tally.addStorage(
      'INTELLIGENT_TIERING frequent',
      (gb * (to - from)) / DAYS_PER_MONTH,
      tiers.frequent,
    );
    return;
  }
  const bands = [
    { name: 'frequent', start: 0, end: 30, price: tiers.frequent },
    { name: 'infrequent', start: 30, end: 90, price: tiers.infrequent },
    {
      name: 'archive instant',
      start: 90,
      end: Number.POSITIVE_INFINITY,
      price: tiers.archiveInstant,
    },
  ];
  for (const band of bands) {
    const days = Math.min(to, from + band.end) - Math.max(from, from + band.start);
    if (days > 0) {
      tally.addStorage(
        `INTELLIGENT_TIERING ${band.name}`,
        (gb * days) / DAYS_PER_MONTH,
        band.price,
      );
    }
  }
  tally.monitoring +=
    (group.objects.files / 1000) * ((to - from) / DAYS_PER_MONTH) * tiers.monitoringPer1000;
}

export interface CostInputs {
  readonly objects: Objects;
  readonly prices: PriceTable;
  readonly months: number;
  /** USD of the migration's GitHub Actions minutes. */
  readonly actions: number;
}

/** What a strategy costs over the first `months` months, the migration's Actions minutes included. */
export function costOver(strategy: Strategy, inputs: CostInputs): CostBreakdown {
  const { objects, prices, months, actions } = inputs;
  const tally = new Tally();
  const costing: Costing = { strategy, prices, horizonDays: months * DAYS_PER_MONTH, tally };
  costGroup({ objects: objects.small, movable: false }, costing);
  costGroup({ objects: objects.large, movable: true }, costing);
  const put = (objects.uploadRequests / 1000) * prices.s3.put[strategy.uploadClass];
  const storage = [...tally.storage].map(([storageClass, line]) => ({ storageClass, ...line }));
  const storageCost = storage.reduce((sum, line) => sum + line.cost, 0);
  return {
    months,
    storage,
    glacierOverhead: tally.glacierOverhead,
    monitoring: tally.monitoring,
    put,
    transitions: tally.transitions,
    minimumDuration: tally.minimumDuration,
    actions,
    total:
      storageCost +
      tally.glacierOverhead +
      tally.monitoring +
      put +
      tally.transitions +
      tally.minimumDuration +
      actions,
    ifDeletedAtEnd: tally.ifDeletedAtEnd,
  };
}
