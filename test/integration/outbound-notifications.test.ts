import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { casePartitionQuery } from '#lib/adapters/dynamodb/table-schema.ts';
import { HttpPaymentProvider } from '#lib/adapters/http-payment-provider.ts';
import { StaticPolicyProvider } from '#lib/adapters/static-policy-provider.ts';
import type { RefundMessage } from '#lib/contract/refund-message.ts';
import { systemClock } from '#lib/ports/clock.ts';
import type { NotificationOutbox } from '#lib/ports/notifications.ts';
import { DynamoDbDueCases } from '#lib/adapters/dynamodb-due-cases.ts';
import { fixedClock } from '#lib/ports/clock.ts';
import { applyRefund } from '#lib/use-cases/apply-refund.ts';
import { redriveNotifications } from '#ops/redrive-notifications.ts';
import { escalateStaleCases } from '#lib/use-cases/escalate-stale-cases.ts';
import { relayNotifications } from '#lib/use-cases/relay-notifications.ts';
import { type PaymentSimulator, startPaymentSimulator } from '#local/payment-simulator.ts';
import { documentClient, sqsClient } from '#test/support/engines.ts';
import { type NotificationWorld, notificationWorld } from '#test/support/notification-world.ts';
import { createSellerApi, type SellerApi } from '#test/support/seller-api-harness.ts';
import { principal, seedCase } from '#test/support/staff-factory.ts';

/**
 * Outbound notifications (#21) on the real engines: written with the change that owes them,
 * relayed to the FIFO queue, delivered as Standard Webhooks a receiver verifies with the
 * `standardwebhooks` library; each once per change, in order per case, retried, dead-lettered,
 * stopped by 410 Gone, and their attempts on the case's history.
 */

const SELLER = 'seller-notify';
let api: SellerApi;
let simulator: PaymentSimulator;
const worlds: NotificationWorld[] = [];

beforeAll(async () => {
  api = await createSellerApi();
  simulator = await startPaymentSimulator();
});
afterAll(async () => {
  await simulator.stop();
  for (const w of worlds) await w.stop();
});

async function world(options: Parameters<typeof notificationWorld>[0] = {}): Promise<NotificationWorld> {
  const w = await notificationWorld({ table: api.tableName, ...options });
  worlds.push(w);
  return w;
}

const pay = (message: RefundMessage) =>
  applyRefund(
    {
      store: api.store,
      payments: new HttpPaymentProvider({ baseUrl: simulator.url, timeoutMs: 2_000 }),
      clock: systemClock,
      policies: new StaticPolicyProvider(),
    },
    message,
  );

/** What the receiver has for one case: type and version, in arrival order. */
const receivedFor = (w: NotificationWorld, caseId: string) =>
  w.receiver
    .received()
    .filter((r) => r.caseId === caseId)
    .map((r) => ({ type: r.type, caseVersion: r.caseVersion }));

/** An object's methods bound to it, to override one in a test. */
function boundMethods<T extends object>(target: T): T {
  const proto = Object.getPrototypeOf(target) as object;
  const names = Object.getOwnPropertyNames(proto).filter((n) => n !== 'constructor');
  return Object.fromEntries(names.map((n) => [n, (target as Record<string, (...a: unknown[]) => unknown>)[n]?.bind(target)])) as T;
}

const historyActions = async (caseId: string) => (await api.store.getHistory(caseId)).map((e) => e.action);

describe('a case’s life, told to the marketplace', () => {
  it('each change’s notifications once, in the order of the changes, with the words and the facts; attempts on the history', async () => {
    const w = await world();
    const c = await seedCase(api.store, { sellerId: SELLER, shape: 'AWAITING_RETURN' });
    // Committed with the case, before anything is sent: the unqueued index holds them.
    expect((await w.outbox.forCase(c.caseId)).map((n) => [n.notification.type, n.state, n.unqueued])).toEqual([
      ['case.decided', 'PENDING', true],
      ['case.waiting_on_buyer', 'PENDING', true],
    ]);
    await w.flush(systemClock);
    expect(receivedFor(w, c.caseId)).toEqual([
      { type: 'case.decided', caseVersion: 1 },
      { type: 'case.waiting_on_buyer', caseVersion: 1 },
    ]);
    const decided = w.receiver.received().find((r) => r.caseId === c.caseId && r.type === 'case.decided');
    expect(decided?.body.data).toMatchObject({
      returnId: c.marketplaceReturnId,
      orderId: c.orderId,
      sellerId: SELLER,
      status: 'AWAITING_RETURN',
      facts: { remedy: 'RETURN_AND_REFUND', decidedBy: 'ENGINE', refund: { amount: 39_900, currency: 'CNY' }, shipBy: c.returnLeg?.shipBy },
      explanation: { locale: 'en', nextStepBy: c.returnLeg?.shipBy },
    });
    expect(decided?.body.data.explanation.outcome).toContain('CNY 399.00');
    // No personal data: the buyer's reference is not in what leaves.
    expect(JSON.stringify(w.receiver.received())).not.toContain(c.return.buyerRef);

    const agent = principal(SELLER, 'agent');
    expect(
      (await api.call('returnShipment', { as: agent, caseId: c.caseId, ifMatch: 1, body: { carrier: 'dhl', trackingNumber: 'RTN-N1' } }))
        .status,
    ).toBe(200);
    expect((await api.call('returnReceipt', { as: agent, caseId: c.caseId, ifMatch: 2 })).status).toBe(200);
    await w.flush(systemClock);
    const [message] = (await api.queuedRefunds()).filter((m) => m.caseId === c.caseId);
    if (message === undefined) throw new Error('the released refund was not queued');
    expect(await pay(message)).toMatchObject({ outcome: 'APPLIED' });
    await w.flush(systemClock);
    // The same change delivered again (a repeated message, a second relay) sends nothing more.
    await w.queue.enqueue({ caseId: c.caseId, eventId: (await w.outbox.forCase(c.caseId))[0]?.notification.eventId ?? '' });
    await w.flush(systemClock);

    expect(receivedFor(w, c.caseId)).toEqual([
      { type: 'case.decided', caseVersion: 1 },
      { type: 'case.waiting_on_buyer', caseVersion: 1 },
      { type: 'return.received', caseVersion: 3 },
      { type: 'refund.released', caseVersion: 3 },
      { type: 'refund.paid', caseVersion: 5 },
    ]);
    expect(w.receiver.counts()).toMatchObject({ duplicates: 0, badSignature: 0, badBody: 0 });
    const stored = await w.outbox.forCase(c.caseId);
    expect(stored.every((n) => n.state === 'DELIVERED' && n.attempts === 1 && !n.unqueued)).toBe(true);
    const history = await api.store.getHistory(c.caseId);
    const deliveries = history.filter((e) => e.action === 'NOTIFICATION_DELIVERED');
    expect(deliveries.map((e) => e.details.type)).toEqual([
      'case.decided',
      'case.waiting_on_buyer',
      'return.received',
      'refund.released',
      'refund.paid',
    ]);
    expect(deliveries[0]).toMatchObject({
      actor: { kind: 'SYSTEM', id: 'deliver-notifications' },
      details: { attempt: 1, status: 200, channel: 'webhook' },
    });
    // Staff read them in the case's history like any other entry.
    const read = await api.call('get', { as: agent, caseId: c.caseId });
    expect(read.status, JSON.stringify(read.body)).toBe(200);
    expect(JSON.stringify(read.body)).toContain('NOTIFICATION_DELIVERED');
    // Each attempt sits right after the write that owed it.
    const afterFirstWrite = history.findIndex((e) => e.version === 2);
    expect(
      history
        .slice(0, afterFirstWrite)
        .slice(-2)
        .map((e) => e.action),
    ).toEqual(['NOTIFICATION_DELIVERED', 'NOTIFICATION_DELIVERED']);
  });

  it('words the outcome in the return’s locale, else the marketplace’s default', async () => {
    const w = await world({ defaultLocale: 'zh-CN' });
    const c = await seedCase(api.store, { sellerId: SELLER, shape: 'AWAITING_RETURN' });
    await w.flush(systemClock);
    const decided = w.receiver.received().find((r) => r.caseId === c.caseId && r.type === 'case.decided');
    expect(decided?.body.data.explanation).toMatchObject({ locale: 'zh-CN' });
    expect(decided?.body.data.explanation.outcome).toContain('退货后退款');
  });

  it('a refused write owes nothing: a stale change commits no notification', async () => {
    const w = await world();
    const c = await seedCase(api.store, { sellerId: SELLER, shape: 'AWAITING_RETURN' });
    const before = (await w.outbox.forCase(c.caseId)).length;
    const agent = principal(SELLER, 'agent');
    expect(
      (await api.call('returnShipment', { as: agent, caseId: c.caseId, ifMatch: 7, body: { carrier: 'dhl', trackingNumber: 'X-1' } }))
        .status,
    ).toBe(412);
    expect((await api.call('returnReceipt', { as: agent, caseId: c.caseId, ifMatch: 1 })).status).toBe(409);
    expect((await w.outbox.forCase(c.caseId)).length).toBe(before);
  });
});

describe('written by the escalation sweep’s patch, which reads no case', () => {
  it('an escalation owes one, naming the return from the due index’s facts', async () => {
    const w = await world();
    const c = await seedCase(api.store, { sellerId: SELLER, shape: 'AWAITING_APPROVAL' });
    const sweep = (at: number) =>
      escalateStaleCases(
        {
          store: api.store,
          dueCases: new DynamoDbDueCases(documentClient(), api.tableName),
          refunds: w.refunds,
          clock: fixedClock(new Date(at).toISOString()),
          policies: new StaticPolicyProvider(),
        },
        { limit: 5_000 },
      );
    await sweep(Date.parse(c.dueAt ?? '') + 60_000);
    await w.flush(systemClock);
    const escalated = w.receiver.received().find((r) => r.caseId === c.caseId && r.type === 'case.escalated');
    expect(escalated?.body.data).toMatchObject({
      returnId: c.marketplaceReturnId,
      orderId: c.orderId,
      caseVersion: 2,
      facts: { level: 'SUPERVISOR' },
    });
    expect(escalated?.body.data.explanation.nextStepBy).toBe((await api.store.getCase(c.caseId))?.dueAt);
  });
});

describe('crashes between the steps', () => {
  it('relay: enqueued, then the process dies before the mark; the next run enqueues again and the receiver gets each id once', async () => {
    const w = await world();
    const c = await seedCase(api.store, { sellerId: SELLER, shape: 'AWAITING_RETURN' });
    let crashes = 1;
    const crashing: NotificationOutbox = {
      ...boundMethods<NotificationOutbox>(w.outbox),
      markQueued: async (n) => {
        if (n.caseId === c.caseId && crashes-- > 0) throw new Error('simulated crash after enqueue');
        return w.outbox.markQueued(n);
      },
    };
    const first = await relayNotifications({ outbox: crashing, queue: w.queue });
    // The first mark failed: that case's later notification waits for the next run, in order.
    expect(first.failed).toBe(2);
    expect((await w.outbox.forCase(c.caseId)).every((n) => n.unqueued)).toBe(true);
    await w.flush(systemClock);
    expect(receivedFor(w, c.caseId).map((r) => r.type)).toEqual(['case.decided', 'case.waiting_on_buyer']);
    expect(w.receiver.counts().duplicates).toBe(0);
  });

  it('worker: the receiver answered 2xx, then the process died before recording it; the retry resends the same id, recorded once', async () => {
    const w = await world();
    const c = await seedCase(api.store, { sellerId: SELLER, shape: 'AWAITING_RETURN' });
    await w.relay();
    const original = w.outbox.recordAttempt.bind(w.outbox);
    let crashes = 1;
    w.outbox.recordAttempt = async (attempt) => {
      if (crashes-- > 0) throw new Error('simulated crash after the receiver answered');
      return original(attempt);
    };
    await expect(w.deliverVisible(systemClock, 1)).rejects.toThrow(/simulated crash/);
    w.outbox.recordAttempt = original;
    // The message was not deleted: it comes back after its visibility timeout.
    await new Promise((r) => setTimeout(r, 1_100));
    await w.deliverVisible(systemClock);
    expect(receivedFor(w, c.caseId).map((r) => r.type)).toEqual(['case.decided', 'case.waiting_on_buyer']);
    // At least once on the wire, once by id at the receiver.
    expect(w.receiver.counts().duplicates).toBe(1);
    expect((await historyActions(c.caseId)).filter((a) => a === 'NOTIFICATION_DELIVERED')).toHaveLength(2);
  });
});

describe('failures, retries and the end of the line', () => {
  it('a failing receiver: retried, each attempt on the history, the case’s later notification held back until the earlier one is through', async () => {
    const w = await world();
    const c = await seedCase(api.store, { sellerId: SELLER, shape: 'AWAITING_RETURN' });
    w.receiver.setFaults({ fail: 2, failStatus: 503 });
    await w.relay();
    expect((await w.deliverVisible(systemClock)).failures).toBeGreaterThan(0);
    expect(receivedFor(w, c.caseId)).toEqual([]);
    await w.deliverVisible(systemClock);
    await w.deliverVisible(systemClock);
    expect(receivedFor(w, c.caseId).map((r) => r.type)).toEqual(['case.decided', 'case.waiting_on_buyer']);
    const attempts = (await api.store.getHistory(c.caseId)).filter(
      (e) => e.action.startsWith('NOTIFICATION_') && e.details.type === 'case.decided',
    );
    expect(attempts.map((e) => [e.action, e.details.attempt, e.details.status])).toEqual([
      ['NOTIFICATION_FAILED', 1, 503],
      ['NOTIFICATION_FAILED', 2, 503],
      ['NOTIFICATION_DELIVERED', 3, 200],
    ]);
  });

  it('after the last try: DEAD, the message in the dead-letter queue, and the case’s later notifications go on', async () => {
    const w = await world();
    const c = await seedCase(api.store, { sellerId: SELLER, shape: 'AWAITING_RETURN' });
    w.receiver.setFaults({ fail: 8, failStatus: 500 });
    await w.relay();
    for (let i = 0; i < 9; i++) await w.deliverVisible(systemClock);
    const [first, second] = await w.outbox.forCase(c.caseId);
    expect(first).toMatchObject({ state: 'DEAD', attempts: 8 });
    expect(second).toMatchObject({ state: 'DELIVERED' });
    expect(receivedFor(w, c.caseId).map((r) => r.type)).toEqual(['case.waiting_on_buyer']);
    expect(await historyActions(c.caseId)).toContain('NOTIFICATION_DEAD_LETTERED');
    const { Attributes } = await sqsClient().send(
      new GetQueueAttributesCommand({ QueueUrl: w.notificationDlqUrl, AttributeNames: ['ApproximateNumberOfMessages'] }),
    );
    expect(Number(Attributes?.ApproximateNumberOfMessages)).toBe(1);

    // An operator redrives the DLQ once the receiver is fixed (npm run redrive-notifications): delivered, once.
    expect(await redriveNotifications({ sqs: sqsClient(), outbox: w.outbox, deadLetterQueueUrl: w.notificationDlqUrl, max: 10 })).toEqual({
      replayed: 1,
      alreadyPending: 0,
      unreadable: 0,
    });
    const { Attributes: after } = await sqsClient().send(
      new GetQueueAttributesCommand({ QueueUrl: w.notificationDlqUrl, AttributeNames: ['ApproximateNumberOfMessages'] }),
    );
    expect(Number(after?.ApproximateNumberOfMessages)).toBe(0);
    await w.flush(systemClock);
    expect(receivedFor(w, c.caseId).map((r) => r.type)).toEqual(['case.waiting_on_buyer', 'case.decided']);
  });

  it('410 Gone unsubscribes the marketplace: nothing more is sent until it is resubscribed and replayed', async () => {
    const w = await world();
    const c = await seedCase(api.store, { sellerId: SELLER, shape: 'AWAITING_RETURN' });
    w.receiver.setFaults({ gone: true });
    await w.flush(systemClock);
    expect(w.receiver.counts().gone).toBe(1);
    expect((await w.outbox.forCase(c.caseId)).map((n) => n.state)).toEqual(['UNSUBSCRIBED', 'UNSUBSCRIBED']);
    expect(await w.outbox.subscription('test-market')).toMatchObject({ state: 'GONE' });
    const actions = await historyActions(c.caseId);
    expect(actions).toContain('NOTIFICATION_UNSUBSCRIBED');
    expect(actions).toContain('NOTIFICATION_NOT_SENT');

    // Another case of the same marketplace: not sent at all.
    const other = await seedCase(api.store, { sellerId: SELLER, shape: 'AWAITING_RETURN' });
    await w.flush(systemClock);
    expect(w.receiver.counts().gone).toBe(1);
    expect((await w.outbox.forCase(other.caseId)).map((n) => n.state)).toEqual(['UNSUBSCRIBED', 'UNSUBSCRIBED']);

    w.receiver.setFaults({ gone: false });
    await w.outbox.resubscribe('test-market');
    for (const n of await w.outbox.forCase(other.caseId)) await w.outbox.replay(n.notification, 'UNSUBSCRIBED');
    await w.flush(systemClock);
    expect(receivedFor(w, other.caseId).map((r) => r.type)).toEqual(['case.decided', 'case.waiting_on_buyer']);
  });
});

describe('a channel that cannot be built', () => {
  it('is a failed attempt on the history, naming why, and retried: nothing is lost to a missing secret', async () => {
    const w = await world({
      channels: { channelFor: async () => Promise.reject(new Error('No notification signing secret for marketplace test-market')) },
    });
    const c = await seedCase(api.store, { sellerId: SELLER, shape: 'AWAITING_RETURN' });
    await w.relay();
    expect((await w.deliverVisible(systemClock)).failures).toBeGreaterThan(0);
    const failed = (await api.store.getHistory(c.caseId)).find((e) => e.action === 'NOTIFICATION_FAILED');
    expect(failed?.details).toMatchObject({ channel: 'unconfigured', attempt: 1 });
    expect(String(failed?.details.error)).toContain('No notification signing secret');
    expect((await w.outbox.forCase(c.caseId))[0]).toMatchObject({ state: 'PENDING', attempts: 1 });
  });
});

describe('order per case under concurrency', () => {
  it('many cases, many changes, three workers at once: each case’s notifications arrive in the order of its changes, each once', async () => {
    const w = await world();
    const cases = await Promise.all(Array.from({ length: 8 }, () => seedCase(api.store, { sellerId: SELLER, shape: 'AWAITING_RETURN' })));
    const agent = principal(SELLER, 'agent');
    await Promise.all(
      cases.map(async (c) => {
        await api.call('returnShipment', {
          as: agent,
          caseId: c.caseId,
          ifMatch: 1,
          body: { carrier: 'dhl', trackingNumber: `RTN-${c.caseId.slice(-6)}` },
        });
        await api.call('returnReceipt', { as: agent, caseId: c.caseId, ifMatch: 2 });
      }),
    );
    await w.relay();
    await Promise.all([w.deliverVisible(systemClock), w.deliverVisible(systemClock), w.deliverVisible(systemClock)]);
    await w.flush(systemClock);
    for (const c of cases) {
      expect(receivedFor(w, c.caseId).map((r) => r.type)).toEqual([
        'case.decided',
        'case.waiting_on_buyer',
        'return.received',
        'refund.released',
      ]);
    }
    const ids = w.receiver.received().map((r) => r.webhookId);
    expect(new Set(ids).size).toBe(ids.length);
    // Nothing left behind in the unqueued index.
    for (const c of cases) {
      const out = await documentClient().send(
        new QueryCommand({ TableName: api.tableName, ...casePartitionQuery(c.caseId, 'notifications'), ConsistentRead: true }),
      );
      expect((out.Items ?? []).every((item) => item.state === 'DELIVERED' && item.notifyShard === undefined)).toBe(true);
    }
  });
});
