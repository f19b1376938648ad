import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbCaseStore } from '#lib/adapters/dynamodb-case-store.ts';
import { SqsRefundQueue } from '#lib/adapters/sqs-refund-queue.ts';
import { StaticPolicyProvider } from '#lib/adapters/static-policy-provider.ts';
import { StaticWebhookSecrets } from '#lib/adapters/static-webhook-secrets.ts';
import { caseIdFor } from '#lib/workflow/case.ts';
import { httpHandler } from '#lib/http/http-handler.ts';
import { receiveWebhookRoute } from '#lib/http/routes/receive-webhook.ts';
import { marketplaceRegistry } from '#lib/marketplaces/index.ts';
import { shopifyTopics, type ShopifyTopic } from '#lib/marketplaces/shopify/body-schemas.ts';
import { systemClock } from '#lib/ports/clock.ts';
import { createTestQueues, createTestTable, documentClient, sqsClient, countItems } from '#test/support/engines.ts';
import {
  freshShopifyIds,
  SHOPIFY,
  shopifyBody,
  type ShopifyIds,
  shopifyWebhookEvent,
  TEST_SHOP,
  TEST_SHOP_SELLER,
  TEST_SHOPIFY_NEXT_SECRET,
  TEST_SHOPIFY_SECRET,
} from '#test/support/shopify-factory.ts';
import { aWebhook, lambdaContext, signedWebhookEvent, TEST_MARKETPLACE, TEST_SECRET } from '#test/support/webhook-factory.ts';

/**
 * Shopify returns webhooks through the real handler chain and DynamoDB Local: the same
 * route and use case as the canonical format, with Shopify's adapter chosen by the
 * `{marketplace}` path segment.
 */

let tableName: string;
let store: DynamoDbCaseStore;
let handler: ReturnType<typeof httpHandler>;
/** Calls to the store's writing methods, through `handler`. */
let writes = 0;
const WRITE_METHODS: ReadonlySet<PropertyKey> = new Set(['commit', 'clearOutbox']);

async function invoke(event: APIGatewayProxyEventV2) {
  const res = (await handler(event, lambdaContext('receive-webhook'))) as { statusCode: number; body: string };
  return { status: res.statusCode, body: JSON.parse(res.body) as Record<string, any> };
}

const itemCount = () => countItems(tableName);

/** Another seller's shop on the same app. */
const OTHER_SHOP = 'another-seller.myshopify.com';

/** Seconds after a fixed instant, so events of one scenario are ordered as Shopify sent them. */
const at = (seconds: number) => new Date(Date.UTC(2026, 10, 6, 9, 0, seconds)).toISOString();

function deliver(topic: ShopifyTopic, ids: ShopifyIds, opts: Omit<Parameters<typeof shopifyWebhookEvent>[1], 'topic'> = {}) {
  return invoke(shopifyWebhookEvent(shopifyBody(topic, ids), { topic, ...opts }));
}

beforeAll(async () => {
  tableName = await createTestTable();
  const queues = await createTestQueues();
  store = new DynamoDbCaseStore(documentClient(), tableName);
  // Counts every write the intake attempts, so a property test can check "never writes"
  // on each of hundreds of deliveries without scanning the table each time.
  const counted = new Proxy(store, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        if (WRITE_METHODS.has(prop)) writes++;
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  handler = httpHandler(
    receiveWebhookRoute({
      store: counted,
      // Two Shopify secrets: a rotation in progress.
      secrets: new StaticWebhookSecrets({ [SHOPIFY]: [TEST_SHOPIFY_SECRET, TEST_SHOPIFY_NEXT_SECRET], [TEST_MARKETPLACE]: TEST_SECRET }),
      policies: new StaticPolicyProvider(),
      refunds: new SqsRefundQueue(sqsClient(), queues.refundQueueUrl),
      clock: systemClock,
      // A second shop of another seller: one app secret signs every shop's deliveries.
      marketplaces: marketplaceRegistry({ SHOPIFY_SHOPS: { [TEST_SHOP]: TEST_SHOP_SELLER, [OTHER_SHOP]: 'seller-shopify-2' } }),
      backoff: async () => undefined,
    }),
  );
});

describe('POST /webhooks/shopify', () => {
  it('turns a signed returns/request into a case, decided with what is known and sent to a person for the gaps', async () => {
    const ids = freshShopifyIds();
    const sentAt = Date.now();
    const res = await deliver('returns/request', ids, { triggeredAt: at(0) });
    const caseId = caseIdFor(SHOPIFY, ids.returnId);
    expect(res).toEqual({ status: 202, body: { caseId, status: 'NEEDS_REVIEW', duplicate: false } });

    const stored = await store.getCase(caseId);
    expect(stored).toMatchObject({ marketplace: SHOPIFY, orderId: ids.orderId, sellerId: TEST_SHOP_SELLER, version: 1 });
    // Ordered by arrival: the unsigned X-Shopify-Triggered-At is not the event's time.
    expect(Date.parse(stored?.lastEventAt ?? '')).toBeGreaterThanOrEqual(sentAt);
    expect(stored?.return).toMatchObject({ reason: 'PRODUCT_QUALITY_DEFECT', evidence: [], money: { currency: 'XXX', amountPaid: 0 } });
    // A defect claimed with no photo yet: low confidence, a person decides; no money moves.
    expect(stored?.decision).toMatchObject({ outcome: 'MANUAL_REVIEW', reviewReasons: expect.arrayContaining(['LOW_CONFIDENCE']) });
    expect(stored?.decision?.confidence).toBeLessThan(0.6);
    expect(stored?.refund).toBeUndefined();
    const history = await store.getHistory(caseId);
    expect(history.map((e) => e.action)).toEqual(['CASE_RECEIVED', 'DECISION_MADE']);
    expect(history[0]).toMatchObject({ actor: { kind: 'MARKETPLACE', id: SHOPIFY }, details: { eventType: 'return.requested' } });
  });

  it('request, then an update delta, then a cancel: the expected states, with history', async () => {
    const ids = freshShopifyIds();
    const caseId = caseIdFor(SHOPIFY, ids.returnId);
    expect((await deliver('returns/request', ids, { triggeredAt: at(0) })).body).toMatchObject({ caseId, status: 'NEEDS_REVIEW' });

    const updated = await deliver('returns/update', ids, { triggeredAt: at(60), eventId: 'evt-update-1' });
    expect(updated).toEqual({ status: 202, body: { caseId, status: 'NEEDS_REVIEW', duplicate: false } });
    const afterUpdate = await store.getCase(caseId);
    // The defective pair was taken off the return; the size problem now decides.
    expect(afterUpdate?.return.items).toEqual([
      { id: '987654321', quantity: 0, reason: 'PRODUCT_QUALITY_DEFECT' },
      { id: '987654322', quantity: 1, reason: 'PRODUCT_SIZE_PROBLEM' },
    ]);
    expect(afterUpdate?.return.reason).toBe('PRODUCT_SIZE_PROBLEM');
    expect(afterUpdate?.decision?.primaryReasonCode).toBe('NOT_AS_LISTED');

    const cancelled = await deliver('returns/cancel', ids, { triggeredAt: at(120) });
    expect(cancelled).toEqual({ status: 202, body: { caseId, status: 'CANCELLED', duplicate: false } });

    const history = await store.getHistory(caseId);
    expect(history.map((e) => [e.action, e.version, e.toStatus])).toEqual([
      ['CASE_RECEIVED', 1, 'RECEIVED'],
      ['DECISION_MADE', 1, 'NEEDS_REVIEW'],
      ['RETURN_UPDATED', 2, 'NEEDS_REVIEW'],
      ['DECISION_MADE', 2, 'NEEDS_REVIEW'],
      ['RETURN_CANCELLED', 3, 'CANCELLED'],
    ]);
    expect(history[2]?.details).toMatchObject({ deliveryId: 'shopify:returns-update:evt-update-1' });
    expect(Date.parse(String(history[2]?.details.occurredAt))).toBeGreaterThan(Date.parse(String(history[0]?.details.occurredAt)));
  });

  it('applies every returns topic as documented, each leaving its trace in the history', async () => {
    const ids = freshShopifyIds();
    const caseId = caseIdFor(SHOPIFY, ids.returnId);
    const answers: Record<string, unknown> = {};
    const order: ShopifyTopic[] = [
      'returns/request',
      'returns/approve',
      'returns/decline',
      'returns/reopen',
      'returns/close',
      'returns/cancel',
    ];
    for (const [i, topic] of order.entries()) {
      const res = await deliver(topic, ids, { triggeredAt: at(i * 10) });
      expect(res.status, topic).toBe(202);
      answers[topic] = res.body.status;
    }
    expect(answers).toEqual({
      'returns/request': 'NEEDS_REVIEW',
      'returns/approve': 'NEEDS_REVIEW',
      'returns/decline': 'NEEDS_REVIEW',
      'returns/reopen': 'NEEDS_REVIEW',
      'returns/close': 'NEEDS_REVIEW',
      'returns/cancel': 'CANCELLED',
    });
    const history = await store.getHistory(caseId);
    const marketplaceEvents = history.filter((e) => e.action !== 'DECISION_MADE').map((e) => String(e.details.deliveryId).split(':')[1]);
    expect(marketplaceEvents).toEqual([
      'returns-request',
      'returns-approve',
      'returns-decline',
      'returns-reopen',
      'returns-close',
      'returns-cancel',
    ]);
    // The approve carried an exchange: the buyer asks for a replacement.
    expect((await store.getCase(caseId))?.return.requestedRemedy).toBe('REPLACEMENT');
  });

  it.each([
    ['cut at the limit where an emoji straddles it', `${'a'.repeat(1_998)}😀 and more`, `${'a'.repeat(1_998)}…`],
    ['carrying an unpaired surrogate', 'The zip \ud800 broke', 'The zip \ufffd broke'],
  ])('keeps a buyer note %s as well-formed text: 202, never a refusal Shopify would retry', async (_name, note, kept) => {
    const ids = freshShopifyIds();
    const body = JSON.parse(shopifyBody('returns/request', ids));
    body.return_line_items = body.return_line_items.map((li: Record<string, unknown>, i: number) => ({
      ...li,
      return_reason_note: i === 0 ? note : null,
      customer_note: null,
    }));
    const res = await invoke(shopifyWebhookEvent(JSON.stringify(body), { topic: 'returns/request', triggeredAt: at(0) }));
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    const stored = await store.getCase(caseIdFor(SHOPIFY, ids.returnId));
    expect(stored?.return.reasonDetail).toBe(kept);
    expect(stored?.return.reasonDetail?.isWellFormed()).toBe(true);
  });

  describe('duplicates: never a second case, never a second write', () => {
    it('a retried delivery (same webhook id and event id) answers with the case and writes nothing', async () => {
      const ids = freshShopifyIds();
      const first = await deliver('returns/request', ids, { webhookId: 'wh-retry-1', eventId: 'evt-retry-1' });
      const before = await itemCount();
      const again = await deliver('returns/request', ids, { webhookId: 'wh-retry-1', eventId: 'evt-retry-1' });
      expect(again).toEqual({
        status: 202,
        body: { caseId: first.body.caseId, status: 'NEEDS_REVIEW', duplicate: true, ignoredReason: 'DUPLICATE_DELIVERY' },
      });
      expect(await itemCount()).toBe(before);
    });

    it('the same event under a new webhook id (another subscription) is the same delivery', async () => {
      const ids = freshShopifyIds();
      await deliver('returns/request', ids, { triggeredAt: at(0) });
      await deliver('returns/update', ids, { triggeredAt: at(30), webhookId: 'wh-a', eventId: 'evt-delta-1' });
      const before = await itemCount();
      const again = await deliver('returns/update', ids, { triggeredAt: at(30), webhookId: 'wh-b', eventId: 'evt-delta-1' });
      expect(again.body).toMatchObject({ duplicate: true, ignoredReason: 'DUPLICATE_DELIVERY' });
      expect(await itemCount()).toBe(before);
      // The delta was applied once: the item's quantity went from 2 to 0, not below.
      const history = await store.getHistory(caseIdFor(SHOPIFY, ids.returnId));
      expect(history.filter((e) => e.action === 'RETURN_UPDATED')).toHaveLength(1);
    });

    it('an event id reused for another return is a conflict (409) and writes nothing', async () => {
      await deliver('returns/request', freshShopifyIds(), { eventId: 'evt-reused-1' });
      const before = await itemCount();
      const res = await deliver('returns/request', freshShopifyIds(), { eventId: 'evt-reused-1' });
      expect(res.status).toBe(409);
      expect(await itemCount()).toBe(before);
    });

    it('a request for a known return under a new event id changes nothing', async () => {
      const ids = freshShopifyIds();
      await deliver('returns/request', ids, { triggeredAt: at(0) });
      const before = await itemCount();
      // Another body (Shopify re-sends with a new field), so not caught as a replayed body.
      const body = JSON.stringify({ ...JSON.parse(shopifyBody('returns/request', ids)), name: '#1001-R2' });
      const res = await invoke(shopifyWebhookEvent(body, { topic: 'returns/request', triggeredAt: at(5) }));
      expect(res.body).toMatchObject({ duplicate: true, ignoredReason: 'RETURN_ALREADY_RECEIVED' });
      expect(await itemCount()).toBe(before);
    });

    it('a captured body replayed under a fresh event id and a far-future time changes nothing (#13)', async () => {
      const ids = freshShopifyIds();
      const caseId = caseIdFor(SHOPIFY, ids.returnId);
      await deliver('returns/request', ids);
      await deliver('returns/reopen', ids, { eventId: 'evt-reopen-genuine' });
      const before = await itemCount();
      // The replay with a year-9999 time is refused naming the header ...
      const future = await deliver('returns/reopen', ids, { eventId: 'evt-reopen-forged-1', triggeredAt: '9999-12-31T23:59:59Z' });
      expect(future.status).toBe(400);
      expect(future.body.issues).toEqual([{ field: 'X-Shopify-Triggered-At', problem: expect.stringContaining('must not be later') }]);
      // ... and with a plausible time it is the same signed body: a duplicate.
      const replay = await deliver('returns/reopen', ids, { eventId: 'evt-reopen-forged-2' });
      expect(replay.body).toMatchObject({ duplicate: true, ignoredReason: 'DUPLICATE_DELIVERY' });
      expect(await itemCount()).toBe(before);
      // The genuine cancel after it is applied, not ignored as older.
      const cancelled = await deliver('returns/cancel', ids, { triggeredAt: at(0) });
      expect(cancelled.body).toMatchObject({ caseId, status: 'CANCELLED', duplicate: false });
    });

    it('12 concurrent deliveries of one event under different webhook ids create exactly one case', async () => {
      const ids = freshShopifyIds();
      const results = await Promise.all(
        Array.from({ length: 12 }, (_, i) => deliver('returns/request', ids, { webhookId: `wh-race-${i}`, eventId: 'evt-race-1' })),
      );
      expect(results.every((r) => r.status === 202)).toBe(true);
      expect(results.filter((r) => r.body.duplicate === false)).toHaveLength(1);
      const history = await store.getHistory(caseIdFor(SHOPIFY, ids.returnId));
      expect(history.map((e) => e.action)).toEqual(['CASE_RECEIVED', 'DECISION_MADE']);
    });

    it.each([
      'returns/cancel',
      'returns/update',
      'returns/approve',
      'returns/decline',
      'returns/reopen',
      'returns/close',
      'returns/request',
      'reverse_deliveries/attach_deliverable',
    ] as const)("%s from another seller's shop about this return is refused (409) and writes nothing (#13)", async (topic) => {
      const ids = freshShopifyIds();
      const caseId = caseIdFor(SHOPIFY, ids.returnId);
      await deliver('returns/request', ids);
      const before = await itemCount();
      const caseBefore = await store.getCase(caseId);
      const res = await deliver(topic, ids, { shop: OTHER_SHOP });
      expect(res.status, JSON.stringify(res.body)).toBe(409);
      expect(res.body).toMatchObject({ code: 'CONFLICT' });
      expect(await itemCount()).toBe(before);
      expect(await store.getCase(caseId)).toEqual(caseBefore);
    });

    it('orders events by arrival: a delta whose unsigned time is earlier than the request is still applied', async () => {
      const ids = freshShopifyIds();
      await deliver('returns/request', ids, { triggeredAt: at(100) });
      const late = await deliver('returns/update', ids, { triggeredAt: at(50) });
      expect(late.body).toMatchObject({ duplicate: false, status: 'NEEDS_REVIEW' });
      expect((await store.getCase(caseIdFor(SHOPIFY, ids.returnId)))?.return.reason).toBe('PRODUCT_SIZE_PROBLEM');
    });
  });

  describe('refusals and acknowledgements change nothing', () => {
    it.each([
      ['a signature made with another secret', { secret: 'not-the-app-secret-but-long-enough-000000' }, 'SIGNATURE_MISMATCH'],
      ['no signature header', { hmac: null }, 'MISSING_HEADER'],
      ['a hex signature instead of base64', { hmac: 'ab'.repeat(32) }, 'MALFORMED_HEADER'],
    ] as const)('401 for %s', async (_name, opts, reason) => {
      const before = await itemCount();
      const res = await deliver('returns/request', freshShopifyIds(), opts);
      expect(res.status).toBe(401);
      expect(res.body).toMatchObject({ code: 'INVALID_SIGNATURE' });
      expect(res.body.detail).toContain(reason);
      expect(await itemCount()).toBe(before);
    });

    it('accepts a delivery signed with the second secret of a rotation', async () => {
      const res = await deliver('returns/request', freshShopifyIds(), { secret: TEST_SHOPIFY_NEXT_SECRET });
      expect(res).toMatchObject({ status: 202, body: { duplicate: false } });
    });

    it('refuses a canonical X-Signature on the Shopify route (each marketplace is verified its own way)', async () => {
      const event = signedWebhookEvent(aWebhook(), { marketplace: SHOPIFY, secret: TEST_SHOPIFY_SECRET });
      const res = await invoke(event);
      expect(res.status).toBe(401);
    });

    it('400 naming X-Shopify-Shop-Domain for a shop this service does not serve, even when correctly signed', async () => {
      const before = await itemCount();
      const res = await deliver('returns/request', freshShopifyIds(), { shop: 'someone-else.myshopify.com' });
      expect(res.status).toBe(400);
      expect(res.body.issues).toEqual([
        { field: 'X-Shopify-Shop-Domain', problem: "'someone-else.myshopify.com' is not a shop this service serves" },
      ]);
      expect(await itemCount()).toBe(before);
    });

    it('400 naming the header when X-Shopify-Topic or X-Shopify-Webhook-Id is missing', async () => {
      for (const [name, label] of [
        ['x-shopify-topic', 'X-Shopify-Topic'],
        ['x-shopify-webhook-id', 'X-Shopify-Webhook-Id'],
      ] as const) {
        const res = await deliver('returns/request', freshShopifyIds(), { omit: [name] });
        expect(res.status, name).toBe(400);
        expect(res.body.issues).toEqual([{ field: label, problem: 'is required' }]);
      }
    });

    it('acknowledges a topic it does not handle with 202 and writes nothing (Shopify retries every non-2xx)', async () => {
      const before = await itemCount();
      const body = JSON.stringify({ id: 820982911946154500, email: 'buyer@example.com', total_price: '49.00' });
      const res = await invoke(shopifyWebhookEvent(body, { topic: 'orders/create' }));
      expect(res).toEqual({ status: 202, body: { caseId: null, status: null, duplicate: true, ignoredReason: 'UNSUPPORTED_TOPIC' } });
      expect(await itemCount()).toBe(before);
    });

    it("records the return parcel from a reverse delivery's tracking, once; one that arrives first waits for its return (#15)", async () => {
      const topic = 'reverse_deliveries/attach_deliverable';
      const ids = freshShopifyIds();
      const caseId = caseIdFor(SHOPIFY, ids.returnId);
      const early = await deliver(topic, ids);
      expect(early.body).toEqual({ caseId, status: null, duplicate: false, held: true });
      await deliver('returns/request', ids);
      const stored = await store.getCase(caseId);
      expect(stored?.returnLeg).toMatchObject({ carrier: 'Canada-Post', trackingNumber: '7316230094501234', scans: [] });
      const actions = (await store.getHistory(caseId)).map((e) => e.action);
      expect(actions.filter((a) => a === 'RETURN_LEG_RECORDED')).toHaveLength(1);

      // The same tracking again with a new label (Shopify re-attaches on every label update):
      // nothing new on the parcel, nothing written.
      const before = await itemCount();
      const relabelled = JSON.parse(shopifyBody(topic, ids));
      relabelled.shipping_deliverable.label.created_at = '2026-11-07T10:00:00-05:00';
      const again = await invoke(shopifyWebhookEvent(JSON.stringify(relabelled), { topic }));
      expect(again.status).toBe(202);
      expect(again.body).toMatchObject({ ignoredReason: 'NOTHING_NEW_ON_RETURN_SHIPMENT' });
      expect(await itemCount()).toBe(before);
      expect(await store.getCase(caseId)).toEqual(stored);
    });

    it('holds a delta or a cancel for a return it never saw, and applies them when the request arrives (#13)', async () => {
      const ids = freshShopifyIds();
      const caseId = caseIdFor(SHOPIFY, ids.returnId);
      const early = await deliver('returns/update', ids);
      expect(early.body).toEqual({ caseId, status: null, duplicate: false, held: true });
      expect(await store.getCase(caseId)).toBeUndefined();
      // A retry of the held delivery is a duplicate, not a second held event.
      expect((await deliver('returns/update', ids, { eventId: null, webhookId: 'wh-x' })).body).toMatchObject({ duplicate: true });
      const created = await deliver('returns/request', ids);
      expect(created.body).toMatchObject({ caseId, status: 'NEEDS_REVIEW', duplicate: false });
      const stored = await store.getCase(caseId);
      expect(stored?.return.items?.find((i) => i.id === '987654321')?.quantity).toBe(0);
      expect((await store.getHeldEvents(caseId)).events).toEqual([]);
      const history = await store.getHistory(caseId);
      expect(history.map((e) => [e.action, e.version])).toEqual([
        ['CASE_RECEIVED', 1],
        ['DECISION_MADE', 1],
        ['RETURN_UPDATED', 1],
        ['DECISION_MADE', 1],
      ]);
      expect(history[2]?.details).toMatchObject({ arrivedBeforeTheReturn: true, deliveryId: expect.stringContaining('returns-update') });
    });

    it('400 naming the field for a body that does not match its topic', async () => {
      const ids = freshShopifyIds();
      const res = await invoke(shopifyWebhookEvent(shopifyBody('returns/close', ids), { topic: 'returns/cancel' }));
      expect(res.status).toBe(400);
      expect(res.body.issues).toEqual([expect.objectContaining({ field: 'status' })]);
    });

    it('random malformed Shopify bodies, correctly signed, never yield 5xx and never write', async () => {
      const ids = freshShopifyIds();
      // A stored case, so topics that merge onto one (update, decline, ...) get that far too.
      await deliver('returns/request', ids, { triggeredAt: at(0) });
      const objects = Object.fromEntries(shopifyTopics.map((t) => [t, JSON.parse(shopifyBody(t, ids)) as Record<string, unknown>]));
      const topic = fc.constantFrom(...shopifyTopics);
      const mutated = fc
        .tuple(topic, fc.anything())
        .chain(([t, value]) =>
          fc
            .constantFrom(...Object.keys(objects[t] ?? {}))
            .map((key) => ({ topic: t, body: JSON.stringify({ ...objects[t], [key]: value }) })),
        );
      const deepMutated = fc.tuple(topic, fc.jsonValue()).map(([t, value]) => {
        const o = objects[t] ?? {};
        const lineItems = o.return_line_items;
        const body = Array.isArray(lineItems)
          ? { ...o, return_line_items: [{ ...(lineItems[0] as object), quantity: value, return_reason: value }] }
          : { ...o, return_line_items: value };
        return { topic: t, body: JSON.stringify(body) };
      });
      const arbitrary = fc.tuple(topic, fc.oneof(fc.string(), fc.json())).map(([t, body]) => ({ topic: t, body }));
      await fc.assert(
        fc.asyncProperty(fc.oneof(arbitrary, mutated, deepMutated), async ({ topic: t, body }) => {
          const before = writes;
          const res = await invoke(shopifyWebhookEvent(body, { topic: t, triggeredAt: at(1) }));
          expect(res.status, `${t} ${body.slice(0, 200)} -> ${JSON.stringify(res.body)}`).toBeLessThan(500);
          // A mutation can land on a value that is still valid; only then may it be applied.
          if (res.status === 202) return;
          expect(res.status).toBeGreaterThanOrEqual(400);
          expect(res.body.code).toBeTypeOf('string');
          expect(writes).toBe(before);
        }),
        { numRuns: 500 },
      );
    }, 120_000);
  });
});
