// The lifecycle merge on its own (pure: src/s3/lifecycle.ts), and the request the real S3Client
// sends for it. s3rver has no lifecycle API and the S3 harness only stores the document and checks
// a few rules (test/emulators/s3/fixes/bucket-configuration.ts): what S3 does with the rules
// (transitions, aborting uploads) is not run anywhere here. The request is captured by a
// middleware at the end of the SDK's stack, after signing, and never sent.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  PutBucketLifecycleConfigurationCommand,
  S3Client,
  type LifecycleRule,
} from '@aws-sdk/client-s3';
import type { LifecycleSetting } from '../../src/s3/storage-classes.ts';
import {
  ABORT_INCOMPLETE_UPLOADS_DAYS,
  MIGRATED_TAG,
  ourRuleIds,
  ourRules,
  planLifecycle,
  type BucketLifecycle,
  type LifecyclePlan,
  type RuleScope,
} from '../../src/s3/lifecycle.ts';

const DEFAULT: LifecycleSetting = {
  transitions: [
    { storageClass: 'GLACIER', days: 30 },
    { storageClass: 'DEEP_ARCHIVE', days: 90 },
  ],
};
const RESERVED = '_dropbox-to-s3/';
const PHOTOS: RuleScope = { prefix: 'photos', toolPrefix: RESERVED };
const ROOT: RuleScope = { prefix: '', toolPrefix: RESERVED };

/** Rules of others, as GetBucketLifecycleConfiguration would hand them over. */
const FOREIGN: LifecycleRule[] = [
  {
    ID: 'expire-logs',
    Status: 'Enabled',
    Filter: { Prefix: 'logs/' },
    Expiration: { Days: 14 },
    NoncurrentVersionExpiration: { NoncurrentDays: 3 },
  },
  {
    ID: 'archive-tagged',
    Status: 'Disabled',
    Filter: {
      And: { Prefix: 'data/', Tags: [{ Key: 'team', Value: 'x' }], ObjectSizeGreaterThan: 1024 },
    },
    Transitions: [{ Date: new Date('2030-01-01T00:00:00Z'), StorageClass: 'GLACIER_IR' }],
  },
];

function written(plan: LifecyclePlan): BucketLifecycle {
  assert.equal(plan.action, 'write', `expected a write, got ${plan.action}`);
  return plan.configuration;
}

/** Whether a rule's filter could match a key (prefix part only; tags need the object). */
function filterPrefix(rule: LifecycleRule): string {
  return rule.Filter?.Prefix ?? rule.Filter?.And?.Prefix ?? '';
}

function usesTag(rule: LifecycleRule): boolean {
  return rule.Filter?.Tag !== undefined || (rule.Filter?.And?.Tags ?? []).length > 0;
}

test('an empty bucket gets our rule: transitions and aborting incomplete uploads, under the prefix', () => {
  const plan = planLifecycle(
    { rules: [], transitionDefaultMinimumObjectSize: undefined },
    DEFAULT,
    PHOTOS,
  );
  const { rules, transitionDefaultMinimumObjectSize } = written(plan);
  assert.deepEqual(rules, [
    {
      ID: 'dropbox-to-s3:photos/',
      Status: 'Enabled',
      Filter: { Prefix: 'photos/' },
      Transitions: [
        { Days: 30, StorageClass: 'GLACIER' },
        { Days: 90, StorageClass: 'DEEP_ARCHIVE' },
      ],
      AbortIncompleteMultipartUpload: { DaysAfterInitiation: ABORT_INCOMPLETE_UPLOADS_DAYS },
    },
  ]);
  assert.equal(transitionDefaultMinimumObjectSize, undefined);
});

test('foreign rules are kept verbatim, with TransitionDefaultMinimumObjectSize; ours is replaced', () => {
  const old: LifecycleRule = {
    ID: 'dropbox-to-s3:photos/',
    Status: 'Enabled',
    Filter: { Prefix: 'photos/' },
    Transitions: [{ Days: 1, StorageClass: 'STANDARD_IA' }],
  };
  const current: BucketLifecycle = {
    rules: [FOREIGN[0] as LifecycleRule, old, FOREIGN[1] as LifecycleRule],
    transitionDefaultMinimumObjectSize: 'varies_by_storage_class',
  };
  const result = written(planLifecycle(current, DEFAULT, PHOTOS));
  assert.equal(result.transitionDefaultMinimumObjectSize, 'varies_by_storage_class');
  assert.deepEqual(result.rules.slice(0, 2), FOREIGN);
  assert.equal(result.rules[0], FOREIGN[0], 'the very objects read, not copies');
  assert.deepEqual(result.rules.slice(2), ourRules(DEFAULT, PHOTOS));
  assert.equal(result.rules.filter((rule) => rule.ID === old.ID).length, 1);
});

test('the second time is a no-op: nothing to write', () => {
  const first = written(
    planLifecycle(
      { rules: FOREIGN, transitionDefaultMinimumObjectSize: 'all_storage_classes_128K' },
      DEFAULT,
      ROOT,
    ),
  );
  const second = planLifecycle(first, DEFAULT, ROOT);
  assert.equal(second.action, 'unchanged');
  assert.deepEqual(second.ids, [ourRuleIds('').transitions, ourRuleIds('').uploads]);
  // As S3 hands them back: rule order may differ and absent lists may come as empty ones.
  const reread = {
    ...first,
    rules: [...first.rules]
      .reverse()
      .map((rule) => ({ ...rule, NoncurrentVersionTransitions: [] })),
  };
  assert.equal(planLifecycle(reread, DEFAULT, ROOT).action, 'unchanged');
  // Another setting is a change.
  const other = { transitions: [{ storageClass: 'DEEP_ARCHIVE' as const, days: 1 }] };
  assert.equal(planLifecycle(first, other, ROOT).action, 'write');
});

test('never the tool prefix: with an empty prefix the transitions filter on our tag', () => {
  const rules = ourRules(DEFAULT, ROOT);
  const ids = ourRuleIds('');
  const transitions = rules.find((rule) => rule.ID === ids.transitions);
  const uploads = rules.find((rule) => rule.ID === ids.uploads);
  assert.ok(transitions !== undefined && uploads !== undefined);
  assert.deepEqual(transitions.Filter, { Tag: { ...MIGRATED_TAG } });
  assert.equal(transitions.AbortIncompleteMultipartUpload, undefined, 'S3 refuses it with tags');
  // Incomplete uploads: a second rule of ours, by prefix (the whole bucket: harmless).
  assert.deepEqual(uploads.Filter, { Prefix: '' });
  assert.equal(uploads.Transitions, undefined);
  assert.deepEqual(uploads.AbortIncompleteMultipartUpload, {
    DaysAfterInitiation: ABORT_INCOMPLETE_UPLOADS_DAYS,
  });
  for (const rule of rules) {
    if ((rule.Transitions ?? []).length > 0) {
      assert.ok(usesTag(rule) || !RESERVED.startsWith(filterPrefix(rule)), rule.ID);
    }
  }
});

test('never the tool prefix: a tool prefix inside --prefix needs the tag too', () => {
  const scope = { prefix: 'backup', toolPrefix: 'backup/_meta/' };
  const rules = ourRules(DEFAULT, scope);
  const moving = rules.filter((rule) => (rule.Transitions ?? []).length > 0);
  assert.equal(moving.length, 1);
  assert.deepEqual(moving[0]?.Filter, {
    And: { Prefix: 'backup/', Tags: [{ ...MIGRATED_TAG }] },
  });
  assert.ok(rules.every((rule) => !usesTag(rule) || !rule.AbortIncompleteMultipartUpload));
  // A prefix alone is enough when the tool prefix is elsewhere (even one sharing its start).
  const beside = ourRules(DEFAULT, { prefix: 'backup', toolPrefix: 'backup-meta/' });
  assert.deepEqual(beside[0]?.Filter, { Prefix: 'backup/' });
});

test('two prefixes in one bucket keep separate rules', () => {
  const first = written(
    planLifecycle({ rules: [], transitionDefaultMinimumObjectSize: undefined }, DEFAULT, PHOTOS),
  );
  const both = written(
    planLifecycle(first, DEFAULT, { prefix: 'documents', toolPrefix: RESERVED }),
  );
  assert.deepEqual(
    both.rules.map((rule) => rule.ID),
    ['dropbox-to-s3:photos/', 'dropbox-to-s3:documents/'],
  );
});

test('--lifecycle none removes only our rules; the last rule gone means DeleteBucketLifecycle', () => {
  const ours = ourRules(DEFAULT, ROOT);
  const withForeign = planLifecycle(
    { rules: [...FOREIGN, ...ours], transitionDefaultMinimumObjectSize: 'varies_by_storage_class' },
    undefined,
    ROOT,
  );
  const kept = written(withForeign);
  assert.deepEqual(kept.rules, FOREIGN);
  assert.equal(kept.transitionDefaultMinimumObjectSize, 'varies_by_storage_class');
  assert.deepEqual(withForeign.ids, [ourRuleIds('').transitions, ourRuleIds('').uploads]);

  const onlyOurs = planLifecycle(
    { rules: ours, transitionDefaultMinimumObjectSize: undefined },
    undefined,
    ROOT,
  );
  assert.equal(onlyOurs.action, 'delete');
  // Nothing of ours: nothing to do, however many foreign rules.
  const none = planLifecycle(
    { rules: FOREIGN, transitionDefaultMinimumObjectSize: undefined },
    undefined,
    ROOT,
  );
  assert.deepEqual(none, { action: 'unchanged', ids: [] });
});

test('objects uploaded to the coldest class already: only incomplete uploads are aborted', () => {
  const empty = { transitions: [] };
  assert.deepEqual(ourRules(empty, PHOTOS), [
    {
      ID: 'dropbox-to-s3:photos/',
      Status: 'Enabled',
      Filter: { Prefix: 'photos/' },
      AbortIncompleteMultipartUpload: { DaysAfterInitiation: ABORT_INCOMPLETE_UPLOADS_DAYS },
    },
  ]);
  assert.deepEqual(
    ourRules(empty, ROOT).map((rule) => rule.ID),
    [ourRuleIds('').uploads],
  );
});

test('rule IDs stay within S3’s 255 characters and unique for long prefixes', () => {
  const long = 'a'.repeat(400);
  const ids = ourRuleIds(long);
  assert.ok(ids.uploads.length <= 255 && ids.transitions.length <= 255);
  assert.ok(ids.transitions.startsWith('dropbox-to-s3:aaaa'));
  assert.notEqual(ourRuleIds(`${long}b`).transitions, ids.transitions);
});

/** What the test reads of the SDK's HTTP request. */
interface HttpRequest {
  method: string;
  query: Record<string, unknown>;
  headers: Record<string, string>;
  body: unknown;
}

/** The HTTP request the SDK would send for `command`, captured after signing and not sent. */
async function capture(command: PutBucketLifecycleConfigurationCommand): Promise<HttpRequest> {
  const client = new S3Client({
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
  });
  let captured: HttpRequest | undefined;
  client.middlewareStack.add(
    (_next) => (args) => {
      captured = args.request as HttpRequest;
      return Promise.resolve({
        response: { statusCode: 200, headers: {}, body: undefined },
        output: {},
      } as never);
    },
    { step: 'finalizeRequest', priority: 'low', name: 'captureRequest' },
  );
  try {
    await client.send(command).catch(() => undefined);
  } finally {
    client.destroy();
  }
  assert.ok(captured !== undefined, 'the request reached the end of the stack');
  return captured;
}

function bodyText(request: HttpRequest): string {
  const body: unknown = request.body;
  if (typeof body === 'string') return body;
  if (body instanceof Uint8Array) return Buffer.from(body).toString('utf8');
  return assert.fail(`unexpected body type ${typeof body}`);
}

test('the request the S3Client sends: our rules in the XML, the default-size header, a checksum', async () => {
  const { rules, transitionDefaultMinimumObjectSize } = written(
    planLifecycle(
      {
        rules: [FOREIGN[0] as LifecycleRule],
        transitionDefaultMinimumObjectSize: 'varies_by_storage_class',
      },
      DEFAULT,
      ROOT,
    ),
  );
  const request = await capture(
    new PutBucketLifecycleConfigurationCommand({
      Bucket: 'bucket',
      LifecycleConfiguration: { Rules: [...rules] },
      TransitionDefaultMinimumObjectSize: transitionDefaultMinimumObjectSize,
    }),
  );
  assert.equal(request.method, 'PUT');
  assert.ok('lifecycle' in request.query);
  assert.equal(
    request.headers['x-amz-transition-default-minimum-object-size'],
    'varies_by_storage_class',
  );
  // S3 requires an integrity check on this call: the SDK adds one (Content-MD5 or a flexible checksum).
  const headers = Object.keys(request.headers).map((name) => name.toLowerCase());
  assert.ok(
    headers.some((name) => name === 'content-md5' || name.startsWith('x-amz-checksum-')),
    `a checksum header among ${headers.join(', ')}`,
  );
  const xml = bodyText(request);
  const ruleXml = [...xml.matchAll(/<Rule>([\s\S]*?)<\/Rule>/g)].map((match) => match[1] ?? '');
  assert.equal(ruleXml.length, 3);
  const [foreign, transitions, uploads] = ruleXml;
  assert.match(foreign ?? '', /<ID>expire-logs<\/ID>/);
  assert.match(foreign ?? '', /<Filter><Prefix>logs\/<\/Prefix><\/Filter>/);
  assert.match(foreign ?? '', /<NoncurrentVersionExpiration><NoncurrentDays>3<\/NoncurrentDays>/);
  assert.match(transitions ?? '', /<ID>dropbox-to-s3:\(bucket\)<\/ID>/);
  assert.match(
    transitions ?? '',
    /<Filter><Tag><Key>dropbox-to-s3<\/Key><Value>migrated<\/Value><\/Tag><\/Filter>/,
  );
  assert.match(
    transitions ?? '',
    /<Transition><Days>30<\/Days><StorageClass>GLACIER<\/StorageClass><\/Transition>/,
  );
  assert.match(
    transitions ?? '',
    /<Transition><Days>90<\/Days><StorageClass>DEEP_ARCHIVE<\/StorageClass><\/Transition>/,
  );
  assert.doesNotMatch(transitions ?? '', /AbortIncompleteMultipartUpload/);
  assert.match(uploads ?? '', /<ID>dropbox-to-s3:\(bucket\):abort-incomplete-uploads<\/ID>/);
  assert.match(uploads ?? '', /<Filter><Prefix><\/Prefix><\/Filter>/);
  assert.match(
    uploads ?? '',
    /<AbortIncompleteMultipartUpload><DaysAfterInitiation>7<\/DaysAfterInitiation><\/AbortIncompleteMultipartUpload>/,
  );
});
