import { createHash } from 'node:crypto';
import type { LifecycleRule, TransitionDefaultMinimumObjectSize } from '@aws-sdk/client-s3';
import type { LifecycleSetting } from './storage-classes.ts';

// The bucket's lifecycle configuration, merged with our rules: pure functions, no S3 calls
// (src/s3/bucket-lifecycle.ts reads and writes it).
//
// Facts this relies on (Amazon S3 API Reference and User Guide):
// - PutBucketLifecycleConfiguration replaces the whole configuration, so every rule that is not
//   ours is written back as it was read, and so is TransitionDefaultMinimumObjectSize (a request
//   header; left out, S3 applies its default all_storage_classes_128K to the new configuration).
//   https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketLifecycleConfiguration.html
// - A configuration needs at least one rule: removing the last one is DeleteBucketLifecycle.
// - A rule's Filter has exactly one of Prefix, Tag, ObjectSize*, And; a rule ID is at most 255
//   characters. https://docs.aws.amazon.com/AmazonS3/latest/API/API_LifecycleRule.html
// - AbortIncompleteMultipartUpload is not allowed in a rule whose filter uses object tags
//   (User Guide, "Lifecycle configuration elements"): with the tag filter, incomplete uploads
//   get a second rule of ours, scoped by prefix.
//   https://docs.aws.amazon.com/AmazonS3/latest/userguide/intro-lifecycle-rules.html

/** The tag every migrated object carries when a prefix cannot scope our rule (see `needsTag`). */
export const MIGRATED_TAG = { Key: 'dropbox-to-s3', Value: 'migrated' } as const;
/** The same tag as the `x-amz-tagging` header (URL query form). */
export const MIGRATED_TAGGING = `${MIGRATED_TAG.Key}=${MIGRATED_TAG.Value}`;

/**
 * Days after which S3 aborts an unfinished multipart upload. A big file's upload stays open
 * across chunks (it is checkpointed and resumed), so this is far beyond a chunk cycle (an hour or
 * a day); an upload S3 aborts anyway is noticed on resume (ListParts: NoSuchUpload) and the file
 * starts over.
 */
export const ABORT_INCOMPLETE_UPLOADS_DAYS = 7;

const ID_PREFIX = 'dropbox-to-s3:';
const MAX_ID_LENGTH = 255;

/** What the bucket has now: its rules (none without a configuration) and the default-size setting. */
export interface BucketLifecycle {
  readonly rules: readonly LifecycleRule[];
  readonly transitionDefaultMinimumObjectSize: TransitionDefaultMinimumObjectSize | undefined;
}

export type LifecyclePlan =
  | { readonly action: 'unchanged'; readonly ids: readonly string[] }
  | {
      readonly action: 'write';
      readonly ids: readonly string[];
      readonly configuration: BucketLifecycle;
    }
  | { readonly action: 'delete'; readonly ids: readonly string[] };

/**
 * Our rule IDs for a prefix: they name the tool and the prefix, so migrations into one bucket
 * under different prefixes keep separate rules. `transitions` moves the objects (and, when a
 * prefix alone finds them, aborts incomplete uploads too); `uploads` aborts incomplete uploads
 * when the objects are found by tag.
 */
export function ourRuleIds(prefix: string): { transitions: string; uploads: string } {
  const scope = prefix === '' ? '(bucket)' : `${prefix}/`;
  const suffix = ':abort-incomplete-uploads';
  let base = `${ID_PREFIX}${scope}`;
  if (base.length + suffix.length > MAX_ID_LENGTH) {
    // A long prefix: keep its start readable and make the ID unique with a hash of all of it.
    const hash = createHash('sha256').update(prefix).digest('hex').slice(0, 16);
    base = `${base.slice(0, MAX_ID_LENGTH - suffix.length - hash.length - 1)}~${hash}`;
  }
  return { transitions: base, uploads: `${base}${suffix}` };
}

/** Where the migrated objects are: under `prefix` ('' = the bucket root), never under `toolPrefix`. */
export interface RuleScope {
  readonly prefix: string;
  /** The tool's own objects (ledger, manifest), `--tool-prefix`, ending with "/". */
  readonly toolPrefix: string;
}

/**
 * Whether a prefix alone cannot tell migrated objects from the tool's own: the prefix is empty, or
 * the tool prefix lies inside it. Then migrated objects are tagged at upload and our
 * transitions rule filters on the tag.
 */
export function needsTag(scope: RuleScope): boolean {
  return scope.prefix === '' || scope.toolPrefix.startsWith(`${scope.prefix}/`);
}

/** The rules of ours that `setting` asks for. */
export function ourRules(setting: LifecycleSetting, scope: RuleScope): LifecycleRule[] {
  const ids = ourRuleIds(scope.prefix);
  const abort = {
    AbortIncompleteMultipartUpload: { DaysAfterInitiation: ABORT_INCOMPLETE_UPLOADS_DAYS },
  };
  const transitions = setting.transitions.map((transition) => ({
    Days: transition.days,
    StorageClass: transition.storageClass,
  }));
  const keyPrefix = scope.prefix === '' ? '' : `${scope.prefix}/`;
  if (!needsTag(scope)) {
    return [
      {
        ID: ids.transitions,
        Status: 'Enabled',
        Filter: { Prefix: keyPrefix },
        ...(transitions.length > 0 ? { Transitions: transitions } : {}),
        ...abort,
      },
    ];
  }
  // The tool prefix is in scope too: only tagged (migrated) objects move.
  const rules: LifecycleRule[] = [];
  if (transitions.length > 0) {
    rules.push({
      ID: ids.transitions,
      Status: 'Enabled',
      Filter:
        keyPrefix === ''
          ? { Tag: { ...MIGRATED_TAG } }
          : { And: { Prefix: keyPrefix, Tags: [{ ...MIGRATED_TAG }] } },
      Transitions: transitions,
    });
  }
  // Aborting stale uploads under the tool prefix too is harmless: the tool's own uploads
  // finish within the run that starts them.
  rules.push({ ID: ids.uploads, Status: 'Enabled', Filter: { Prefix: keyPrefix }, ...abort });
  return rules;
}

/**
 * The configuration to write so the bucket has exactly our rules for `prefix` (none for
 * `setting` undefined, i.e. `--lifecycle none`) and everything else as it was; `unchanged` when it
 * already has them, so a second run writes nothing.
 */
export function planLifecycle(
  current: BucketLifecycle,
  setting: LifecycleSetting | undefined,
  scope: RuleScope,
): LifecyclePlan {
  const ids = ourRuleIds(scope.prefix);
  const isOurs = (rule: LifecycleRule): boolean =>
    rule.ID === ids.transitions || rule.ID === ids.uploads;
  const wanted = setting === undefined ? [] : ourRules(setting, scope);
  const present = current.rules.filter(isOurs);
  const wantedIds = wanted.map((rule) => rule.ID ?? '');
  if (sameRules(present, wanted)) {
    return { action: 'unchanged', ids: wantedIds.length > 0 ? wantedIds : present.map(idOf) };
  }
  const rules = [...current.rules.filter((rule) => !isOurs(rule)), ...wanted];
  const touched = wanted.length > 0 ? wantedIds : present.map(idOf);
  if (rules.length === 0) return { action: 'delete', ids: touched };
  return {
    action: 'write',
    ids: touched,
    configuration: {
      rules,
      transitionDefaultMinimumObjectSize: current.transitionDefaultMinimumObjectSize,
    },
  };
}

function idOf(rule: LifecycleRule): string {
  return rule.ID ?? '';
}

/** The same rules, whatever their order and however the SDK filled in absent fields. */
function sameRules(a: readonly LifecycleRule[], b: readonly LifecycleRule[]): boolean {
  if (a.length !== b.length) return false;
  const key = (rule: LifecycleRule): string => JSON.stringify(canonical(rule));
  const left = a.map(key).sort();
  const right = b.map(key).sort();
  return left.every((value, index) => value === right[index]);
}

/** Drops undefined values and empty lists, sorts object keys, keeps dates as their ISO text. */
function canonical(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(canonical);
  if (typeof value !== 'object' || value === null) return value;
  const entries = Object.entries(value)
    .filter(([, inner]) => inner !== undefined && !(Array.isArray(inner) && inner.length === 0))
    .sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))
    .map(([name, inner]) => [name, canonical(inner)] as const);
  return Object.fromEntries(entries);
}
