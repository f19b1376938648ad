import { DeleteMessageCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbCaseStore } from '#lib/adapters/dynamodb-case-store.ts';
import { HttpPaymentProvider } from '#lib/adapters/http-payment-provider.ts';
import { SqsRefundQueue } from '#lib/adapters/sqs-refund-queue.ts';
import { StaticPolicyProvider } from '#lib/adapters/static-policy-provider.ts';
import { StaticWebhookSecrets } from '#lib/adapters/static-webhook-secrets.ts';
import { caseIdFor, type CaseRecord } from '#lib/workflow/case.ts';
import { RefundMessageSchema } from '#lib/contract/refund-message.ts';
import type { WebhookPayloadInput } from '#lib/contract/return-payload.ts';
import { httpHandler } from '#lib/http/http-handler.ts';
import { receiveWebhookRoute } from '#lib/http/routes/receive-webhook.ts';
import type { CaseStore } from '#lib/ports/case-store.ts';
import { systemClock } from '#lib/ports/clock.ts';
import { applyRefund } from '#lib/use-cases/apply-refund.ts';
import { MAX_HELD_EVENTS } from '#lib/use-cases/receive-webhook.ts';
import { type PaymentSimulator, startPaymentSimulator } from '#local/payment-simulator.ts';
import { countItems, createTestQueues, createTestTable, documentClient, sqsClient } from '#test/support/engines.ts';
import { FaultyCaseStore } from '#test/support/faults.ts';
import {
  aCancellation,
  aReturn,
  aWebhook,
  lambdaContext,
  signedWebhookEvent,
  TEST_MARKETPLACE,
  TEST_SECRET,
} from '#test/support/webhook-factory.ts';
import { canonicalOnly } from '#lib/marketplaces/index.ts';

/**
 * Hostile and out-of-order marketplace events (#13), through the real handler, DynamoDB
 * Local, fauxqs and the refund worker paying through the payment simulator. Whatever order
 * a return's events arrive in, the case ends the same and the provider pays the same.
 */

let tableName: string;
let store: DynamoDbCaseStore;
let queueUrl: string;
let simulator: PaymentSimulator;

beforeAll(async () => {
  tableName = await createTestTable();
  store = new DynamoDbCaseStore(documentClient(), tableName);
  queueUrl = (await createTestQueues()).refundQueueUrl;
  simulator = await startPaymentSimulator();
});

afterAll(async () => {
  await simulator.stop();
});

function intake(caseStore?: CaseStore) {
  const handler = httpHandler(
    receiveWebhookRoute({
      store: caseStore ?? store,
      secrets: new StaticWebhookSecrets({ [TEST_MARKETPLACE]: TEST_SECRET }),
      policies: new StaticPolicyProvider(),
      marketplaces: canonicalOnly,
      refunds: new SqsRefundQueue(sqsClient(), queueUrl),
      clock: systemClock,
      backoff: async () => undefined,
    }),
  );
  return async (payload: WebhookPayloadInput) => {
    const res = (await handler(signedWebhookEvent(payload), lambdaContext('receive-webhook'))) as { statusCode: number; body: string };
    return { status: res.statusCode, body: JSON.parse(res.body) as Record<string, any> };
  };
}

/** Sends through the plain store; built lazily because the store exists only after beforeAll. */
let plain: ReturnType<typeof intake> | undefined;
const send = (payload: WebhookPayloadInput) => {
  plain ??= intake();
  return plain(payload);
};

/** Runs the refund worker over everything on the queue, as the SQS event source would. */
async function drainRefunds(): Promise<void> {
  const payments = new HttpPaymentProvider({ baseUrl: simulator.url, timeoutMs: 2_000 });
  for (;;) {
    const out = await sqsClient().send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
    const messages = out.Messages ?? [];
    if (messages.length === 0) return;
    for (const m of messages) {
      await applyRefund(
        { store, payments, clock: systemClock, policies: new StaticPolicyProvider() },
        RefundMessageSchema.parse(JSON.parse(m.Body ?? '')),
      );
      await sqsClient().send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle }));
    }
  }
}

/** What must not depend on arrival order: where the case ended and what the buyer was paid. */
async function outcomeOf(marketplaceReturnId: string) {
  const c: CaseRecord | undefined = await store.getCase(caseIdFor(TEST_MARKETPLACE, marketplaceReturnId));
  const paid = simulator.ledger().filter((e) => e.caseId === c?.caseId);
  // A cancelled case is terminal: a snapshot that reaches it after the cancellation is
  // acknowledged, not applied, so which facts it was cancelled with depends on arrival. Its
  // status and its money do not, and those are what anyone acts on.
  const facts = c?.status === 'CANCELLED' ? {} : { remedy: c?.decision?.remedy ?? null, evidence: c?.return.evidence.length ?? null };
  return {
    status: c?.status ?? null,
    ...facts,
    // A refund withdrawn or cancelled before payment is the same as none: nothing is owed.
    refund: c?.refund === undefined || c.refund.status === 'CANCELLED' ? null : { status: c.refund.status, amount: c.refund.amount },
    payments: paid.map((e) => e.amount),
  };
}

type Kind = 'request' | 'update' | 'cancel';

/** One return's events, by kind: request, then an update that takes the photos away (a person must look), then a cancellation. */
function eventsFor(ret: ReturnType<typeof aReturn>): Record<Kind, WebhookPayloadInput> {
  return {
    request: aWebhook('return.requested', ret, { occurredAt: '2026-11-06T09:00:00Z' }),
    update: aWebhook('return.updated', { ...ret, evidence: [] }, { occurredAt: '2026-11-06T10:00:00Z' }),
    cancel: aCancellation(ret, { occurredAt: '2026-11-07T09:00:00Z' }),
  };
}

const scenarios: readonly (readonly Kind[])[] = [
  ['request', 'cancel'],
  ['request', 'update'],
  ['update', 'cancel'],
  ['request', 'update', 'cancel'],
];

describe('events in any arrival order end the same (#13)', () => {
  it('final state and payments equal those of the in-order delivery, for every arrival order', async () => {
    const arrival = fc
      .constantFrom(...scenarios)
      .chain((kinds) =>
        fc.tuple(fc.constant(kinds), fc.shuffledSubarray([...kinds], { minLength: kinds.length, maxLength: kinds.length })),
      );
    await fc.assert(
      fc.asyncProperty(arrival, async ([inOrder, shuffled]) => {
        const a = aReturn();
        const b = aReturn();
        for (const kind of inOrder) expect((await send(eventsFor(a)[kind])).status).toBe(202);
        for (const kind of shuffled) expect((await send(eventsFor(b)[kind])).status).toBe(202);
        await drainRefunds();
        expect(await outcomeOf(b.marketplaceReturnId), `arrived as ${shuffled.join(' → ')}`).toEqual(
          await outcomeOf(a.marketplaceReturnId),
        );
        if (inOrder.includes('cancel')) {
          expect(await outcomeOf(b.marketplaceReturnId)).toMatchObject({ status: 'CANCELLED', payments: [] });
        }
      }),
      { numRuns: 40 },
    );
  }, 120_000);

  it('a cancellation before its request: the request is born cancelled, with its history saying why, and nothing is paid', async () => {
    const ret = aReturn();
    const { request, cancel } = eventsFor(ret);
    const caseId = caseIdFor(TEST_MARKETPLACE, ret.marketplaceReturnId);
    expect(await send(cancel)).toEqual({ status: 202, body: { caseId, status: null, duplicate: false, held: true } });
    // A retry of the held cancellation is a duplicate; it is held once.
    expect((await send(cancel)).body).toMatchObject({ duplicate: true, ignoredReason: 'DUPLICATE_DELIVERY' });
    expect((await store.getHeldEvents(caseId)).events).toHaveLength(1);

    expect((await send(request)).body).toMatchObject({ caseId, status: 'CANCELLED', duplicate: false });
    await drainRefunds();
    const history = await store.getHistory(caseId);
    expect(history.map((e) => e.action)).toEqual(['CASE_RECEIVED', 'DECISION_MADE', 'REFUND_HELD', 'RETURN_CANCELLED']);
    expect(history.at(-1)?.details).toMatchObject({
      deliveryId: cancel.deliveryId,
      arrivedBeforeTheReturn: true,
      heldSince: expect.any(String),
    });
    expect(await outcomeOf(ret.marketplaceReturnId)).toMatchObject({ status: 'CANCELLED', refund: null, payments: [] });
    expect((await store.getCase(caseId))?.refund?.status).toBe('CANCELLED');
    // The held items went with the write that consumed them; nothing is left to replay twice.
    expect(await store.getHeldEvents(caseId)).toEqual({ version: 0, events: [] });
    const pending = await store.listPendingOutbox({ olderThan: '9999-12-31T00:00:00Z', limit: 1000 });
    expect(pending.filter((o) => o.caseId === caseId)).toEqual([]);
  });

  it('a cancellation racing its request: 20 pairs sent at the same moment all end cancelled, none paid', async () => {
    const returns = Array.from({ length: 20 }, () => aReturn());
    await Promise.all(
      returns.map(async (ret) => {
        const { request, cancel } = eventsFor(ret);
        const answers = await Promise.all([send(request), send(cancel)]);
        expect(answers.map((r) => r.status)).toEqual([202, 202]);
      }),
    );
    await drainRefunds();
    for (const ret of returns) {
      expect(await outcomeOf(ret.marketplaceReturnId)).toMatchObject({ status: 'CANCELLED', payments: [] });
    }
  });

  it('a held cancellation older than the request it precedes does not cancel, and the history says so', async () => {
    const ret = aReturn();
    const caseId = caseIdFor(TEST_MARKETPLACE, ret.marketplaceReturnId);
    await send(aCancellation(ret, { occurredAt: '2026-11-06T08:00:00Z' }));
    expect((await send(aWebhook('return.requested', ret, { occurredAt: '2026-11-06T09:00:00Z' }))).body.status).toBe('AWAITING_RETURN');
    const history = await store.getHistory(caseId);
    expect(history.at(-1)).toMatchObject({
      action: 'HELD_EVENT_NOT_APPLIED',
      details: { reason: 'OLDER_THAN_APPLIED_EVENT', eventType: 'return.cancelled' },
    });
  });

  it('a held cancellation naming another seller does not cancel the case the request creates', async () => {
    const ret = aReturn();
    const caseId = caseIdFor(TEST_MARKETPLACE, ret.marketplaceReturnId);
    await send(aCancellation({ ...ret, sellerId: 'someone-else' }));
    expect((await send(aWebhook('return.requested', ret))).body.status).toBe('AWAITING_RETURN');
    expect((await store.getHistory(caseId)).at(-1)).toMatchObject({ action: 'HELD_EVENT_NOT_APPLIED', details: { reason: 'CONFLICT' } });
  });

  it(`holds at most ${MAX_HELD_EVENTS} events for a return not yet requested, then refuses with 409 writing nothing`, async () => {
    const ret = aReturn();
    for (let i = 0; i < MAX_HELD_EVENTS; i++) {
      expect((await send(aCancellation(ret, { occurredAt: `2026-11-07T09:00:${String(i).padStart(2, '0')}Z` }))).body.held).toBe(true);
    }
    const before = await countItems(tableName);
    const refused = await send(aCancellation(ret));
    expect(refused.status).toBe(409);
    expect(await countItems(tableName)).toBe(before);
    // The request still takes them all in one write: born cancelled.
    expect((await send(aWebhook('return.requested', ret))).body.status).toBe('CANCELLED');
  });

  it('a crash while creating a case with held events loses nothing: the retry is born cancelled, once', async () => {
    const ret = aReturn();
    const { request, cancel } = eventsFor(ret);
    await send(cancel);
    const faulty = new FaultyCaseStore(store).crashOnCommit(() => true, 'BEFORE');
    await expect(intake(faulty)(request)).resolves.toMatchObject({ status: 500 });
    expect((await store.getHeldEvents(caseIdFor(TEST_MARKETPLACE, ret.marketplaceReturnId))).events).toHaveLength(1);
    const crashAfter = new FaultyCaseStore(store).crashOnCommit(() => true, 'AFTER');
    await expect(intake(crashAfter)(request)).resolves.toMatchObject({ status: 500 });
    // The marketplace retries: a duplicate of the write that did happen.
    expect((await send(request)).body).toMatchObject({ status: 'CANCELLED', duplicate: true });
    await drainRefunds();
    expect(await outcomeOf(ret.marketplaceReturnId)).toMatchObject({ status: 'CANCELLED', payments: [] });
    expect(
      (await store.getHistory(caseIdFor(TEST_MARKETPLACE, ret.marketplaceReturnId))).filter((e) => e.action === 'RETURN_CANCELLED'),
    ).toHaveLength(1);
  });
});

describe('events naming another seller or order are refused whole (#13)', () => {
  it.each([
    ['return.updated', { sellerId: 'seller-other' }],
    ['return.updated', { orderId: 'ord-other' }],
    ['return.cancelled', { sellerId: 'seller-other' }],
    ['return.cancelled', { orderId: 'ord-other' }],
    ['return.cancelled', { sellerId: 'seller-other', orderId: 'ord-other' }],
    ['return.requested', { sellerId: 'seller-other' }],
  ] as const)('409 for a %s with %o, and nothing written', async (eventType, other) => {
    const ret = aReturn();
    const caseId = caseIdFor(TEST_MARKETPLACE, ret.marketplaceReturnId);
    await send(aWebhook('return.requested', ret));
    const before = await countItems(tableName);
    const caseBefore = await store.getCase(caseId);
    const moved = { ...ret, ...other };
    const payload =
      eventType === 'return.cancelled' ? aCancellation(moved) : aWebhook(eventType, moved, { occurredAt: '2026-11-06T11:00:00Z' });
    const res = await send(payload);
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ code: 'CONFLICT' });
    expect(await countItems(tableName)).toBe(before);
    expect(await store.getCase(caseId)).toEqual(caseBefore);
  });
});

describe('event times (#13)', () => {
  const farFuture = '9999-12-31T23:59:59Z';
  const soon = () => new Date(Date.now() + 60_000).toISOString();

  it.each([
    ['occurredAt', (ret: ReturnType<typeof aReturn>) => aWebhook('return.updated', ret, { occurredAt: farFuture })],
    [
      'return.timeline.claimedAt',
      (ret: ReturnType<typeof aReturn>) =>
        aWebhook('return.updated', { ...ret, timeline: { ...ret.timeline, claimedAt: farFuture } }, { occurredAt: '2026-11-06T11:00:00Z' }),
    ],
    [
      'return.evidence.0.submittedAt',
      (ret: ReturnType<typeof aReturn>) =>
        aWebhook(
          'return.updated',
          { ...ret, evidence: [{ id: 'ev-x', kind: 'PACKAGING_PHOTO', finding: 'INTACT', submittedBy: 'BUYER', submittedAt: farFuture }] },
          { occurredAt: '2026-11-06T11:00:00Z' },
        ),
    ],
    ['occurredAt', (ret: ReturnType<typeof aReturn>) => aCancellation(ret, { occurredAt: farFuture })],
  ] as const)('400 naming %s for a time beyond now plus the allowed skew, and nothing written', async (field, build) => {
    const ret = aReturn();
    await send(aWebhook('return.requested', ret));
    const before = await countItems(tableName);
    const res = await send(build(ret));
    expect(res.status).toBe(400);
    expect(res.body.issues).toEqual([{ field, problem: expect.stringContaining('must not be later than') }]);
    expect(await countItems(tableName)).toBe(before);
  });

  it('a time within the allowed skew is accepted, and a genuine later event still applies after it', async () => {
    const ret = aReturn();
    const caseId = caseIdFor(TEST_MARKETPLACE, ret.marketplaceReturnId);
    await send(aWebhook('return.requested', ret));
    expect((await send(aWebhook('return.updated', { ...ret, reasonDetail: 'clock a minute fast' }, { occurredAt: soon() }))).status).toBe(
      202,
    );
    const later = await send(aCancellation(ret, { occurredAt: new Date(Date.now() + 120_000).toISOString() }));
    expect(later.body).toMatchObject({ caseId, status: 'CANCELLED', duplicate: false });
  });
});
