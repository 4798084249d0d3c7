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

interface Segment {
  readonly storageClass: StorageClass;
  readonly from: number;
  readonly to: number;
}

/**
 * The classes an object passes through. Lifecycle rules do not move objects under 128 KiB (S3's
 * default since September 2024): they stay in the class they were written in.
 */
function timeline(strategy: Strategy, movable: boolean): Segment[] {
  const starts = [
    { storageClass: strategy.uploadClass, days: 0 },
    ...(movable ? strategy.transitions : []),
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

/** One group of objects (all under 128 KiB, or all from it) over days [0, horizonDays). */
function costGroup(
  group: Count,
  movable: boolean,
  strategy: Strategy,
  prices: PriceTable,
  horizonDays: number,
  tally: Tally,
): void {
  if (group.files === 0) return;
  const billedBytes =
    !movable && BILLED_AS_128_KIB.has(strategy.uploadClass)
      ? group.files * SMALL_OBJECT_BYTES
      : group.bytes;
  const segments = timeline(strategy, movable);
  for (const [index, segment] of segments.entries()) {
    if (segment.from >= horizonDays) break;
    const { storageClass } = segment;
    const end = Math.min(segment.to, horizonDays);
    const months = (end - segment.from) / DAYS_PER_MONTH;
    const price = storagePrice(prices, storageClass);
    const bytes = billedBytes;
    if (storageClass === 'INTELLIGENT_TIERING') {
      costTiers(group, bytes, movable, segment.from, end, prices, tally);
    } else {
      tally.addStorage(storageClass, (bytes / GiB) * months, price);
    }
    const overheadPerObject = OVERHEAD_CLASSES.has(storageClass) ? OVERHEAD_CLASS_BYTES : 0;
    if (overheadPerObject > 0) {
      tally.glacierOverhead +=
        ((group.files * OVERHEAD_STANDARD_BYTES) / GiB) * months * prices.s3.storage.STANDARD +
        ((group.files * overheadPerObject) / GiB) * months * price;
    }
    if (index > 0) {
      tally.transitions +=
        (group.files / 1000) *
        prices.s3.transition[storageClass as keyof PriceTable['s3']['transition']];
    }
    const shortOf = (daysIn: number): number => Math.max(0, MINIMUM_DAYS[storageClass] - daysIn);
    const classBytes = bytes + group.files * overheadPerObject;
    const chargeFor = (days: number): number =>
      (classBytes / GiB) * (days / DAYS_PER_MONTH) * price;
    if (segment.to < horizonDays) {
      tally.minimumDuration += chargeFor(shortOf(segment.to - segment.from));
    } else {
      tally.ifDeletedAtEnd += chargeFor(shortOf(horizonDays - segment.from));
    }
  }
}

/** Intelligent-Tiering with no access: frequent for 30 days, infrequent to day 90, then archive instant. */
function costTiers(
  group: Count,
  bytes: number,
  movable: boolean,
  from: number,
  to: number,
  prices: PriceTable,
  tally: Tally,
): void {
  const tiers = prices.s3.intelligentTiering;
  const gb = bytes / GiB;
  if (!movable) {
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
    (group.files / 1000) * ((to - from) / DAYS_PER_MONTH) * tiers.monitoringPer1000;
}

/** What a strategy costs over the first `months` months, the migration's Actions minutes included. */
export function costOver(
  strategy: Strategy,
  objects: Objects,
  prices: PriceTable,
  months: number,
  actions: number,
): CostBreakdown {
  const tally = new Tally();
  const days = months * DAYS_PER_MONTH;
  costGroup(objects.small, false, strategy, prices, days, tally);
  costGroup(objects.large, true, strategy, prices, days, tally);
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
