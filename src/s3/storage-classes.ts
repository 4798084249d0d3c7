import { ConfigError } from '../errors.ts';

// S3's storage classes and our lifecycle rule's transitions between them. S3 owns these names;
// src/config reads `--storage-class` and `--lifecycle` with them, and src/plan prices them.

export const STORAGE_CLASSES = [
  'STANDARD',
  'STANDARD_IA',
  'ONEZONE_IA',
  'INTELLIGENT_TIERING',
  'GLACIER_IR',
  'GLACIER',
  'DEEP_ARCHIVE',
  'REDUCED_REDUNDANCY',
] as const;
export type StorageClass = (typeof STORAGE_CLASSES)[number];

/** Classes a lifecycle rule can move objects to, warmest first (S3's transition waterfall). */
export const TRANSITION_CLASSES = [
  'STANDARD_IA',
  'INTELLIGENT_TIERING',
  'ONEZONE_IA',
  'GLACIER_IR',
  'GLACIER',
  'DEEP_ARCHIVE',
] as const;
export type TransitionClass = (typeof TRANSITION_CLASSES)[number];

export interface LifecycleTransition {
  readonly storageClass: TransitionClass;
  /** Days after the object was written. */
  readonly days: number;
}

/** The original system's rule: Glacier Flexible Retrieval after 30 days, Deep Archive after 90. */
export const DEFAULT_LIFECYCLE = 'GLACIER:30,DEEP_ARCHIVE:90';

/**
 * Our lifecycle rule. Its transitions may be empty (objects are uploaded to the coldest class
 * already): the rule then only aborts incomplete multipart uploads.
 */
export interface LifecycleSetting {
  readonly transitions: readonly LifecycleTransition[];
}

/**
 * `--lifecycle`: `none`, or `CLASS:DAYS` transitions in the order S3 allows (each colder and
 * later than the one before). Without the flag (`text` undefined), the default's transitions to
 * classes no colder than `--storage-class` are left out, so `--storage-class DEEP_ARCHIVE` alone
 * just works. Undefined for `none`: no rule of ours.
 */
export function parseLifecycle(
  text: string | undefined,
  uploadClass: StorageClass,
): LifecycleSetting | undefined {
  if (text?.toLowerCase() === 'none') return undefined;
  const transitions = (text ?? DEFAULT_LIFECYCLE).split(',').map((item) => transition(item.trim()));
  const colder = (t: LifecycleTransition): boolean => isColder(t.storageClass, uploadClass);
  if (text === undefined) return { transitions: transitions.filter(colder) };
  transitions.forEach((current, index) => {
    const previous = transitions[index - 1];
    if (!colder(current)) {
      throw new ConfigError(
        `--lifecycle moves objects to ${current.storageClass}, but --storage-class ${uploadClass} is already as cold; ` +
          'leave that transition out or use --lifecycle none.',
      );
    }
    if (
      previous !== undefined &&
      (current.days <= previous.days || !isColder(current.storageClass, previous.storageClass))
    ) {
      throw new ConfigError(
        `--lifecycle "${text}": each transition must go to a colder class on a later day than the one before ` +
          `(order: ${TRANSITION_CLASSES.join(', ')}), for example ${DEFAULT_LIFECYCLE}.`,
      );
    }
  });
  return { transitions };
}

function transition(item: string): LifecycleTransition {
  const match = /^([A-Z_]+):(\d{1,5})$/.exec(item.toUpperCase());
  const storageClass = TRANSITION_CLASSES.find((name) => name === match?.[1]);
  if (match === null || storageClass === undefined) {
    throw new ConfigError(
      `--lifecycle "${item}" is not CLASS:DAYS with CLASS one of ${TRANSITION_CLASSES.join(', ')} ` +
        `(for example ${DEFAULT_LIFECYCLE}, or none for no rule).`,
    );
  }
  const days = Number(match[2]);
  const minimum = storageClass === 'STANDARD_IA' || storageClass === 'ONEZONE_IA' ? 30 : 0;
  if (days < minimum) {
    throw new ConfigError(
      `--lifecycle ${storageClass}:${String(days)}: S3 moves objects to ${storageClass} after 30 days at the earliest.`,
    );
  }
  return { storageClass, days };
}

/** True when `a` comes after `b` in S3's transition waterfall (STANDARD is the warmest). */
function isColder(a: StorageClass, b: StorageClass): boolean {
  const rank = (name: StorageClass): number =>
    (TRANSITION_CLASSES as readonly string[]).indexOf(name);
  return rank(a) > rank(b);
}
