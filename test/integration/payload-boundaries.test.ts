import { beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { DynamoDbCaseStore } from '#lib/adapters/dynamodb-case-store.ts';
import { SqsRefundQueue } from '#lib/adapters/sqs-refund-queue.ts';
import { StaticPolicyProvider } from '#lib/adapters/static-policy-provider.ts';
import { StaticWebhookSecrets } from '#lib/adapters/static-webhook-secrets.ts';
import { caseIdFor } from '#lib/workflow/case.ts';
import { type WebhookPayloadInput, WebhookPayloadSchema } from '#lib/contract/return-payload.ts';
import { DYNAMODB_MIN_MAGNITUDE } from '#lib/contract/storable.ts';
import { httpHandler } from '#lib/http/http-handler.ts';
import { receiveWebhookRoute } from '#lib/http/routes/receive-webhook.ts';
import { systemClock } from '#lib/ports/clock.ts';
import { createTestQueues, createTestTable, documentClient, sqsClient } from '#test/support/engines.ts';
import { getAt, type JsonSchema, type Leaf, leavesOf, type Path, setAt, variantFor } from '#test/support/json-schema-walk.ts';
import { aCancellation, aReturn, aWebhook, lambdaContext, signedWebhookEvent, TEST_SECRET } from '#test/support/webhook-factory.ts';
import { canonicalOnly } from '#lib/marketplaces/index.ts';

/**
 * Generated boundary tests of the canonical payload v1: every string and number field the
 * published schema (z.toJSONSchema) declares, each tried at its limits and with the values a
 * hostile sender picks (5e-324, 1e-131, -0, 1e400, max-length text in 3-byte and 4-byte
 * UTF-8, an unpaired surrogate), through the real receive-webhook handler and DynamoDB Local.
 *
 * For every value: the answer is 2xx or 4xx, never 5xx; a value outside the declared limits
 * is refused; a refusal writes nothing and says why; and whatever is accepted reads back from
 * the table equal to what the schema made of it, and close to what was sent (numbers may be
 * rounded to the schema's precision, nothing else changes). `return.updated` is not walked
 * separately: it carries the same Return schema as `return.requested`.
 */

const MARKETPLACE = 'boundary-market';
/** Cancellations get their own marketplace, so their case ids never meet the requests' above. */
const CANCEL_MARKETPLACE = 'boundary-cancel-market';

/** A return with every optional field present and every array non-empty (one evidence item of each kind). */
function fullReturn() {
  const at = '2026-11-06T09:00:00Z';
  const uri = (name: string) => `https://files.example/${name}.jpg`;
  return aReturn({
    locale: 'zh-CN',
    reasonDetail: 'The kettle leaks at the seam',
    timeline: {
      orderedAt: '2026-11-01T10:00:00Z',
      promisedShipBy: '2026-11-02T18:00:00Z',
      shippedAt: '2026-11-02T10:00:00Z',
      promisedDeliveryAt: '2026-11-05T18:00:00Z',
      deliveredAt: '2026-11-04T12:00:00Z',
      claimedAt: '2026-11-06T09:00:00Z',
    },
    carrier: {
      code: 'sf-express',
      trackingNumber: 'SF1234567890',
      events: [{ type: 'DELIVERED', at: '2026-11-04T12:00:00Z', weightGrams: 1_500 }],
      weightAtPickupGrams: 1_500,
      weightAtDeliveryGrams: 1_500,
      notTheAgreedCarrier: false,
    },
    evidence: [
      { id: 'ev-1', kind: 'PACKAGING_PHOTO', finding: 'INTACT', submittedBy: 'BUYER', submittedAt: at, uri: uri('box') },
      { id: 'ev-2', kind: 'PRODUCT_PHOTO', finding: 'DEFECTIVE', submittedBy: 'BUYER', submittedAt: at, uri: uri('seam') },
      { id: 'ev-3', kind: 'INSTALLER_REPORT', finding: 'DEFECT_FOUND', submittedBy: 'INSTALLER', submittedAt: at, uri: uri('report') },
      { id: 'ev-4', kind: 'SERIAL_CHECK', finding: 'MATCH', submittedBy: 'SELLER', submittedAt: at, uri: uri('serial') },
      { id: 'ev-5', kind: 'PRESALE_CHAT', finding: 'ACCURATE_ADVICE', submittedBy: 'MARKETPLACE', submittedAt: at, uri: uri('chat') },
      { id: 'ev-6', kind: 'ADDRESS_CHECK', finding: 'ADDRESS_CORRECT', submittedBy: 'CARRIER', submittedAt: at, uri: uri('address') },
    ],
    requestedAmount: 39_900,
    payments: [{ provider: 'stripe', reference: 'pi_full_1', captured: 39_900, currency: 'CNY' }],
    items: [{ id: 'li-1', quantity: 1, reason: 'PRODUCT_QUALITY_DEFECT', unitValue: 39_900 }],
    repair: {
      status: 'IN_PROGRESS',
      startedAt: '2026-11-05T09:00:00Z',
      promisedCompletionAt: '2026-11-12T09:00:00Z',
      attempts: 1,
      failedAttempts: 0,
      partsBackordered: false,
    },
    listing: { returnWindowDays: 30, sku: 'KETTLE-1' },
    signals: { buyerClaimRate: 0.1, buyerPriorAbuse: false, sellerDefectRate: 0.05 },
  });
}

const payloadSchema = z.toJSONSchema(WebhookPayloadSchema, { io: 'input' }) as JsonSchema;
const requestedExample = aWebhook('return.requested', fullReturn());
const cancelledExample = aCancellation(fullReturn());
const requestedLeaves = leavesOf(variantFor(payloadSchema, requestedExample) as JsonSchema, requestedExample);
const cancelledLeaves = leavesOf(variantFor(payloadSchema, cancelledExample) as JsonSchema, cancelledExample);

/* -------------------------------------------------------------- the values */

/** A value to send: `raw` is spliced into the JSON text as is (numbers a JS value cannot spell, like 1e400). */
type Trial = { readonly label: string; readonly value?: unknown; readonly raw?: string };

const RAW = '__raw_number_literal__';

const lengthOf = (schema: JsonSchema, fallback: number) => schema.maxLength ?? fallback;

/** `example` stretched (or cut) to `length` code units with its own last character, so a pattern it matched still matches. */
const stretched = (example: string, length: number) =>
  example.length >= length ? example.slice(0, length) : example + example.at(-1)!.repeat(length - example.length);

function stringTrials(schema: JsonSchema, example: unknown): Trial[] {
  if (schema.const !== undefined)
    return [
      { label: 'the constant', value: schema.const },
      { label: 'another value', value: `${String(schema.const)}x` },
    ];
  if (schema.enum !== undefined) {
    const longest = [...(schema.enum as string[])].sort((a, b) => b.length - a.length)[0];
    return [
      { label: 'the longest member', value: longest },
      { label: 'a non-member', value: 'NOT_A_MEMBER' },
      { label: 'empty', value: '' },
    ];
  }
  // Unbounded strings are probed well past anything sane; the "declares a limit" test fails on them.
  const max = lengthOf(schema, 10_000);
  if (schema.format === 'date-time') {
    // The example's instant spelled out to the longest form the schema allows (nanoseconds, offset).
    const seconds = new Date(example as string).toISOString().slice(0, 19);
    const spelled = (digits: number) => `${seconds}.${'0'.repeat(Math.max(1, digits))}+00:00`;
    const digitsAtMax = max - 26;
    return [
      { label: 'at max length', value: spelled(digitsAtMax) },
      { label: 'one past max length', value: spelled(digitsAtMax + 1) },
      { label: 'Z with milliseconds', value: `${seconds}.000Z` },
      { label: 'multi-byte digits', value: `${seconds.slice(0, 17)}٠٠Z` },
      { label: 'empty', value: '' },
    ];
  }
  if (schema.format === 'uri') {
    const prefix = 'https://files.example/';
    return [
      { label: 'at max length', value: prefix + 'a'.repeat(max - prefix.length) },
      { label: 'one past max length', value: prefix + 'a'.repeat(max - prefix.length + 1) },
      { label: 'max length in 3-byte characters', value: prefix + '€'.repeat(max - prefix.length) },
      { label: 'an unpaired surrogate', value: `${prefix}a\ud800b` },
      { label: 'not https', value: 'http://files.example/a.jpg' },
    ];
  }
  const base = typeof example === 'string' && example !== '' ? example : 'a';
  return [
    { label: 'at max length', value: stretched(base, max) },
    { label: 'one past max length', value: stretched(base, max + 1) },
    { label: 'max length in 3-byte characters', value: '€'.repeat(max) },
    { label: 'one past max length in 3-byte characters', value: '€'.repeat(max + 1) },
    { label: 'max length in 4-byte characters', value: '😀'.repeat(Math.floor(max / 2)) },
    { label: 'an unpaired surrogate', value: `a\ud800b` },
    { label: 'empty', value: '' },
  ];
}

function numberTrials(schema: JsonSchema, kind: 'number' | 'integer'): Trial[] {
  if (schema.const !== undefined) return [String(schema.const), String(Number(schema.const) + 1)].map((raw) => ({ label: raw, raw }));
  const min = schema.minimum ?? schema.exclusiveMinimum ?? -Number.MAX_VALUE;
  const max = schema.maximum ?? schema.exclusiveMaximum ?? Number.MAX_VALUE;
  const step = kind === 'integer' ? 1 : 1e-6;
  const literals = [
    String(min),
    String(max),
    String(min - step),
    String(max + step),
    '0',
    '-0',
    '5e-324',
    '-5e-324',
    '1e-131',
    '1e-200',
    '1e-130',
    '0.1234567890123456789',
    '0.5',
    '-1',
    '1e126',
    '1e308',
    '1e400',
    '-1e400',
    '9007199254740993',
  ];
  return [...new Set(literals)].map((raw) => ({ label: raw, raw }));
}

function trialsFor(leaf: Leaf, example: unknown): Trial[] {
  return leaf.kind === 'string' ? stringTrials(leaf.schema, example) : numberTrials(leaf.schema, leaf.kind);
}

/** Whether the published schema itself says the value is out of bounds (so it must be refused). */
function outsideDeclaredLimits(leaf: Leaf, sent: unknown): boolean {
  const s = leaf.schema;
  if (typeof sent === 'string') {
    return (s.maxLength !== undefined && sent.length > s.maxLength) || (s.minLength !== undefined && sent.length < s.minLength);
  }
  if (typeof sent === 'number') {
    if (!Number.isFinite(sent) || (leaf.kind === 'integer' && !Number.isSafeInteger(sent))) return true;
    return (s.minimum !== undefined && sent < s.minimum) || (s.maximum !== undefined && sent > s.maximum);
  }
  return false;
}

/** The trials at the published limits, which a schema that keeps its promises accepts. */
function reachableLimits(leaf: Leaf): string[] {
  const s = leaf.schema;
  if (s.const !== undefined) return leaf.kind === 'string' ? ['the constant'] : [String(s.const)];
  if (s.enum !== undefined) return ['the longest member'];
  if (leaf.kind === 'string') return s.maxLength === undefined ? [] : ['at max length'];
  return [s.minimum, s.maximum].filter((n) => n !== undefined).map(String);
}

const storableNumber = (n: number) => n === 0 || (Math.abs(n) >= DYNAMODB_MIN_MAGNITUDE && Math.abs(n) <= Number.MAX_SAFE_INTEGER);

/* ------------------------------------------------------------- the system */

let store: DynamoDbCaseStore;
let handler: ReturnType<typeof httpHandler>;
/** Store writes that succeeded: a refusal must leave this unchanged. */
let writes = 0;

beforeAll(async () => {
  const tableName = await createTestTable();
  const queues = await createTestQueues();
  store = new DynamoDbCaseStore(documentClient(), tableName);
  const counted = new Proxy(store, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        const result = await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        if (prop === 'commit' || prop === 'patch' || prop === 'clearOutbox') writes++;
        return result;
      };
    },
  });
  handler = httpHandler(
    receiveWebhookRoute({
      store: counted,
      secrets: new StaticWebhookSecrets({ [MARKETPLACE]: TEST_SECRET, [CANCEL_MARKETPLACE]: TEST_SECRET }),
      policies: new StaticPolicyProvider(),
      refunds: new SqsRefundQueue(sqsClient(), queues.refundQueueUrl),
      clock: systemClock,
      backoff: async () => undefined,
      marketplaces: canonicalOnly,
    }),
  );
});

async function send(body: string, marketplace: string) {
  const res = (await handler(signedWebhookEvent(body, { marketplace, secret: TEST_SECRET }), lambdaContext('receive-webhook'))) as {
    statusCode: number;
    body: string;
  };
  return { status: res.statusCode, body: JSON.parse(res.body) as Record<string, any> };
}

/** The payload with fresh ids (unless the field under test is one), the trial's value at `path`, as JSON text. */
function bodyWith(example: WebhookPayloadInput, path: Path, trial: Trial, fresh: WebhookPayloadInput): string {
  let payload = {
    ...example,
    deliveryId: fresh.deliveryId,
    return: { ...example.return, marketplaceReturnId: fresh.return.marketplaceReturnId },
  } as WebhookPayloadInput;
  payload = setAt(payload, path, trial.raw === undefined ? trial.value : RAW);
  const text = JSON.stringify(payload);
  return trial.raw === undefined ? text : text.replace(`"${RAW}"`, trial.raw);
}

/** Checks the answer to one trial; returns the parsed payload when it was accepted. */
async function expectAnswered(leaf: Leaf, trial: Trial, body: string, marketplace: string, writesBefore: number) {
  const res = await send(body, marketplace);
  const what = `${leaf.path.join('.')} = ${trial.label} → ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`;
  expect.soft(res.status, what).toBeGreaterThanOrEqual(200);
  expect.soft(res.status, what).toBeLessThan(500);
  const sent = getAt(JSON.parse(body), leaf.path);
  if (outsideDeclaredLimits(leaf, sent)) expect.soft(res.status, `${what}: outside the published limits`).toBeGreaterThanOrEqual(400);
  if (res.status >= 400) {
    expect.soft(writes, `${what}: a refusal wrote`).toBe(writesBefore);
    expect.soft(res.body.code, what).toBeTypeOf('string');
    if (res.body.code === 'VALIDATION_FAILED') {
      expect.soft(res.body.issues.length, what).toBeGreaterThan(0);
      for (const issue of res.body.issues) expect.soft(issue.field, what).not.toBe('');
    }
    return { res, sent, parsed: undefined };
  }
  return { res, sent, parsed: WebhookPayloadSchema.parse(JSON.parse(body)), what };
}

describe('canonical payload v1: every field at and past its limits', () => {
  it('finds the fields to try in the published schema', () => {
    const names = requestedLeaves.map((l) => l.path.join('.'));
    expect(names).toEqual(
      expect.arrayContaining([
        'return.signals.buyerClaimRate',
        'return.reasonDetail',
        'return.evidence.0.uri',
        'return.items.0.quantity',
        'return.timeline.orderedAt',
      ]),
    );
    // Each evidence kind's own findings are tried, its common fields once.
    expect(names.filter((n) => n.endsWith('.finding'))).toHaveLength(6);
    expect(names.filter((n) => n.endsWith('.uri'))).toHaveLength(1);
  });

  it.each(
    requestedLeaves
      .filter((l) => l.kind === 'string' && l.schema.enum === undefined && l.schema.const === undefined)
      .map((l) => [l.path.join('.'), l] as const),
  )('%s declares how long it may be', (_name, leaf) => {
    expect(leaf.schema.maxLength).toBeTypeOf('number');
  });

  it.each(requestedLeaves.map((l) => [l.path.join('.'), l] as const))('return.requested: %s', async (_name, leaf) => {
    const accepted: string[] = [];
    for (const trial of trialsFor(leaf, getAt(requestedExample, leaf.path))) {
      const body = bodyWith(requestedExample, leaf.path, trial, aWebhook('return.requested', aReturn()));
      const { res, sent, parsed, what } = await expectAnswered(leaf, trial, body, MARKETPLACE, writes);
      if (parsed === undefined) continue;
      accepted.push(trial.label);
      expect.soft(res.body, what).toMatchObject({ caseId: caseIdFor(MARKETPLACE, parsed.return.marketplaceReturnId), duplicate: false });
      const stored = await store.getCase(res.body.caseId);
      const history = await store.getHistory(res.body.caseId);
      // Everything the schema accepted is what the table holds.
      expect.soft(stored?.return, what).toEqual(parsed.return);
      expect.soft(stored?.lastEventAt, what).toBe(parsed.occurredAt);
      expect
        .soft(history[0]?.details, what)
        .toMatchObject({ deliveryId: parsed.deliveryId, occurredAt: parsed.occurredAt, eventType: parsed.eventType });
      // And the field itself is what was sent: strings exactly, numbers within the schema's rounding.
      const kept =
        leaf.path[0] === 'return'
          ? getAt(stored, leaf.path)
          : leaf.path[0] === 'schemaVersion'
            ? sent
            : history[0]?.details[leaf.path[0] as string];
      if (typeof sent === 'number') {
        expect.soft(typeof kept, what).toBe('number');
        expect.soft(storableNumber(kept as number), `${what}: kept ${String(kept)}`).toBe(true);
        expect.soft(Math.abs((kept as number) - sent), `${what}: kept ${String(kept)}`).toBeLessThanOrEqual(5e-7);
      } else {
        expect.soft(kept, what).toBe(sent);
        // DynamoDB Local keeps an unpaired surrogate, but UTF-8 (what DynamoDB stores) has no spelling for one.
        expect.soft((kept as string).isWellFormed(), `${what}: not well-formed text`).toBe(true);
      }
    }
    // The published limits are reachable: the longest value and the extremes are accepted, not just declared.
    expect(accepted).toEqual(expect.arrayContaining(reachableLimits(leaf)));
  });

  it.each(cancelledLeaves.map((l) => [l.path.join('.'), l] as const))('return.cancelled: %s', async (_name, leaf) => {
    for (const trial of trialsFor(leaf, getAt(cancelledExample, leaf.path))) {
      // The return to cancel, requested first with the same identifiers where the field is one of them.
      const requested = aWebhook('return.requested', fullReturn(), { occurredAt: '2026-11-06T09:00:00Z' });
      const ret =
        leaf.path[0] === 'return' ? setAt(requested, leaf.path, trial.raw === undefined ? trial.value : JSON.parse(trial.raw)) : requested;
      const setup = await send(JSON.stringify(ret), CANCEL_MARKETPLACE);
      expect.soft(setup.status, `setup for ${leaf.path.join('.')} = ${trial.label}`).toBeLessThan(500);
      const example = aCancellation(ret.return as never);
      const body = bodyWith(example, leaf.path, trial, { ...example, return: ret.return } as WebhookPayloadInput);
      const { res, parsed, what } = await expectAnswered(leaf, trial, body, CANCEL_MARKETPLACE, writes);
      if (parsed === undefined || res.body.duplicate === true) continue;
      expect.soft(setup.status, `${what}: a cancellation was applied to a return that was refused`).toBe(202);
      const stored = await store.getCase(res.body.caseId);
      expect.soft(stored?.status, what).toBe('CANCELLED');
      expect
        .soft({ marketplaceReturnId: stored?.marketplaceReturnId, orderId: stored?.orderId, sellerId: stored?.sellerId }, what)
        .toEqual(parsed.return);
    }
  });
});
