import { GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { spawnSync } from 'node:child_process';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { DynamoDbCaseStore } from '#lib/adapters/dynamodb-case-store.ts';
import { HttpPaymentProvider } from '#lib/adapters/http-payment-provider.ts';
import { SqsRefundQueue } from '#lib/adapters/sqs-refund-queue.ts';
import { StaticPolicyProvider } from '#lib/adapters/static-policy-provider.ts';
import { StaticWebhookSecrets } from '#lib/adapters/static-webhook-secrets.ts';
import { caseIdFor, type CaseRecord } from '#lib/workflow/case.ts';
import { ConcurrentModificationError } from '#lib/contract/errors.ts';
import { refundIdFor } from '#lib/contract/refund-message.ts';
import { httpHandler } from '#lib/http/http-handler.ts';
import { receiveWebhookRoute } from '#lib/http/routes/receive-webhook.ts';
import { fixedClock, systemClock } from '#lib/ports/clock.ts';
import type { CaseStore } from '#lib/ports/case-store.ts';
import type { RefundQueue } from '#lib/ports/refund-queue.ts';
import { applyRefundHandler } from '#lib/sqs/apply-refund-records.ts';
import { relayRefundOutbox } from '#lib/use-cases/relay-refund-outbox.ts';
import { refundQueue as refundQueueDefinition } from '#infra/definitions.ts';
import { createConsoleLogger } from '#local/console-logger.ts';
import { type PaymentSimulator, startPaymentSimulator } from '#local/payment-simulator.ts';
import { type ProvisionedQueues, provisionQueues } from '#local/provision.ts';
import { type SqsPoller, startSqsPoller } from '#local/sqs-poller.ts';
import { redriveRefunds } from '#ops/redrive-refunds.ts';
import { defaultPolicy } from '#lib/decision/policy.ts';
import { publishRefund } from '#lib/use-cases/publish-refund.ts';
import { overrideDecision } from '#lib/workflow/staff-actions.ts';
import { createTestTable, documentClient, sqsClient, sqsEndpoint, uniqueSuffix, countItems } from '#test/support/engines.ts';
import { FaultyCaseStore, FaultyRefundQueue } from '#test/support/faults.ts';
import {
  aCancellation,
  aReturn,
  aReturnShipment,
  aWebhook,
  lambdaContext,
  signedWebhookEvent,
  TEST_MARKETPLACE,
  TEST_SECRET,
} from '#test/support/webhook-factory.ts';
import { canonicalOnly } from '#lib/marketplaces/index.ts';

/**
 * The refund path end to end on the real engines: intake decides and records the refund
 * with its outbox record; the queue carries it; the worker (driven by the local SQS poller,
 * as Lambda's event source would) pays it through the payment simulator. Faults are
 * injected at every step boundary; every test ends by counting what the provider paid.
 */

const MAX_RECEIVES = 4;
const quiet = createConsoleLogger({ level: 'silent' });

let tableName: string;
let store: DynamoDbCaseStore;
let simulator: PaymentSimulator;
let queues: ProvisionedQueues;
let poller: SqsPoller | undefined;

beforeAll(async () => {
  tableName = await createTestTable();
  store = new DynamoDbCaseStore(documentClient(), tableName);
  simulator = await startPaymentSimulator();
});

afterAll(async () => {
  await simulator.stop();
});

afterEach(async () => {
  await poller?.stop();
  poller = undefined;
  simulator.reset();
});

/** Fresh queues per test, with a short visibility timeout so retries come back in a second. */
async function freshQueues(): Promise<ProvisionedQueues> {
  queues = await provisionQueues(sqsClient(), `test-${uniqueSuffix()}-`, {
    ...refundQueueDefinition,
    visibilityTimeoutSeconds: 1,
    deadLetter: { ...refundQueueDefinition.deadLetter, maxReceiveCount: MAX_RECEIVES },
  });
  return queues;
}

function intake(options: { store?: CaseStore; refunds?: RefundQueue } = {}) {
  const handler = httpHandler(
    receiveWebhookRoute({
      store: options.store ?? store,
      secrets: new StaticWebhookSecrets({ [TEST_MARKETPLACE]: TEST_SECRET }),
      policies: new StaticPolicyProvider(),
      marketplaces: canonicalOnly,
      refunds: options.refunds ?? new SqsRefundQueue(sqsClient(), queues.refundQueueUrl),
      clock: systemClock,
      backoff: async () => undefined,
    }),
  );
  return async (event: ReturnType<typeof signedWebhookEvent>) => {
    const res = (await handler(event, lambdaContext('receive-webhook'))) as { statusCode: number; body: string };
    return { status: res.statusCode, body: JSON.parse(res.body) as Record<string, any> };
  };
}

/**
 * The return request, then the return parcel received by the seller (#15): the refund is held
 * at decision and released by the receipt, which is the write that makes it due and queues it.
 */
async function requestAndReceive(
  payload: ReturnType<typeof aWebhook>,
  options: { store?: CaseStore; refunds?: RefundQueue; shipment?: Parameters<typeof aReturnShipment>[1] } = {},
): Promise<{ status: number; body: Record<string, any> }> {
  const requested = await intake()(signedWebhookEvent(payload));
  expect(requested.body).toMatchObject({ status: 'AWAITING_RETURN', duplicate: false });
  if (payload.eventType === 'return.cancelled' || payload.eventType === 'return.shipment') throw new Error('a return request');
  return intake(options)(signedWebhookEvent(aReturnShipment(payload.return, options.shipment)));
}

/** Starts the refund worker on the queue, exactly as the local runtime does. */
function startWorker(options: { store?: CaseStore; timeoutMs?: number } = {}): void {
  const handler = applyRefundHandler({
    store: options.store ?? store,
    payments: new HttpPaymentProvider({ baseUrl: simulator.url, timeoutMs: options.timeoutMs ?? 2_000 }),
    clock: systemClock,
    policies: new StaticPolicyProvider(),
  });
  poller = startSqsPoller({
    sqs: sqsClient(),
    queueUrl: queues.refundQueueUrl,
    queueArn: queues.refundQueueArn,
    region: 'us-east-1',
    batchSize: 5,
    waitTimeSeconds: 1,
    functionName: 'apply-refund',
    handler,
    log: quiet,
  });
}

async function waitForStatus(caseId: string, status: CaseRecord['status'], timeout = 20_000): Promise<CaseRecord> {
  return vi.waitFor(
    async () => {
      const found = await store.getCase(caseId);
      expect(found?.status).toBe(status);
      return found as CaseRecord;
    },
    { timeout, interval: 100 },
  );
}

function paidFor(caseId: string) {
  return simulator.ledger().filter((entry) => entry.caseId === caseId);
}

async function pendingOutboxFor(caseId: string) {
  const all = await store.listPendingOutbox({ olderThan: '9999-12-31T00:00:00Z', limit: 1000 });
  return all.filter((o) => o.caseId === caseId);
}

async function approximateCount(queueUrl: string): Promise<number> {
  const out = await sqsClient().send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return Number(out.Attributes?.ApproximateNumberOfMessages ?? 0) + Number(out.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0);
}

describe('refund lifecycle', () => {
  it('signed webhook → decided case → refund on the queue → worker → REFUNDED, paid once', async () => {
    await freshQueues();
    const payload = aWebhook();
    const res = await requestAndReceive(payload);
    expect(res.body).toMatchObject({ status: 'REFUND_PENDING', duplicate: false });
    const caseId = res.body.caseId as string;
    expect(await pendingOutboxFor(caseId)).toEqual([]);

    startWorker();
    const refunded = await waitForStatus(caseId, 'REFUNDED');
    const paid = paidFor(caseId);
    expect(paid).toHaveLength(1);
    expect(refunded.refund).toMatchObject({
      status: 'APPLIED',
      refundId: refundIdFor(caseId, 1),
      amount: 39_900,
      currency: 'CNY',
      providerReference: paid[0]?.reference,
    });
    expect(refunded.ledger?.find((l) => l.kind === 'BUYER_REFUND')).toMatchObject({ amount: 39_900, paidBy: 'SELLER', bornBy: 'SELLER' });
    const history = await store.getHistory(caseId);
    expect(history.map((e) => e.action)).toEqual([
      'CASE_RECEIVED',
      'DECISION_MADE',
      'REFUND_HELD',
      'RETURN_LEG_RECORDED',
      'REFUND_RELEASED',
      'REFUND_DUE',
      'REFUND_STARTED',
      'REFUND_APPLIED',
    ]);
    expect(history.at(-1)).toMatchObject({
      fromStatus: 'REFUND_PENDING',
      toStatus: 'REFUNDED',
      actor: { kind: 'SYSTEM', id: 'apply-refund' },
    });
  });

  it('50 concurrent deliveries of one return (same and different delivery ids) → one case, one refund paid', async () => {
    await freshQueues();
    startWorker();
    const ret = aReturn();
    const repeated = aWebhook('return.requested', ret);
    const deliveries = Array.from({ length: 50 }, (_, i) => (i % 2 === 0 ? repeated : aWebhook('return.requested', ret)));
    const receive = intake();
    const results = await Promise.all(deliveries.map((p) => receive(signedWebhookEvent(p))));
    expect(results.map((r) => r.status)).toEqual(Array(50).fill(202));
    expect(results.filter((r) => r.body.duplicate === false)).toHaveLength(1);
    // The receipt, delivered 20 times at once (same and different delivery ids): released once.
    const receipt = aReturnShipment(ret);
    const receipts = Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? receipt : aReturnShipment(ret)));
    const released = await Promise.all(receipts.map((p) => receive(signedWebhookEvent(p))));
    expect(released.map((r) => r.status)).toEqual(Array(20).fill(202));
    expect(released.filter((r) => r.body.duplicate === false)).toHaveLength(1);

    const caseId = caseIdFor(TEST_MARKETPLACE, ret.marketplaceReturnId);
    await waitForStatus(caseId, 'REFUNDED');
    // Let any stray duplicate message reach the worker before counting.
    await vi.waitFor(async () => expect(await approximateCount(queues.refundQueueUrl)).toBe(0), { timeout: 10_000 });
    expect(paidFor(caseId)).toHaveLength(1);
    const history = await store.getHistory(caseId);
    expect(history.filter((e) => e.action === 'CASE_RECEIVED')).toHaveLength(1);
    expect(history.filter((e) => e.action === 'REFUND_RELEASED')).toHaveLength(1);
    expect(history.filter((e) => e.action === 'REFUND_APPLIED')).toHaveLength(1);
  });

  it('crash after the release commit and before the publish: the relay publishes it, paid once', async () => {
    await freshQueues();
    const crashing = new FaultyCaseStore(store).crashOnCommit((c) => c.outbox !== undefined, 'AFTER');
    const payload = aWebhook();
    const caseId = caseIdFor(TEST_MARKETPLACE, payload.return.marketplaceReturnId);
    await intake()(signedWebhookEvent(payload));
    const receipt = aReturnShipment(payload.return);

    const first = await intake({ store: crashing })(signedWebhookEvent(receipt));
    expect(first.status).toBe(500); // the process "died": the marketplace sees an error and retries
    expect((await store.getCase(caseId))?.status).toBe('REFUND_PENDING');
    expect(await pendingOutboxFor(caseId)).toHaveLength(1);

    const retry = await intake()(signedWebhookEvent(receipt));
    expect(retry.body).toMatchObject({ caseId, duplicate: true });

    const relay = await relayRefundOutbox(
      { store, refunds: new SqsRefundQueue(sqsClient(), queues.refundQueueUrl), clock: systemClock },
      { graceMs: 0 },
    );
    expect(relay.published).toBeGreaterThanOrEqual(1);
    expect(await pendingOutboxFor(caseId)).toEqual([]);

    startWorker();
    await waitForStatus(caseId, 'REFUNDED');
    expect(paidFor(caseId)).toHaveLength(1);
  });

  it('inspection → re-decision → payment, crashing after the commit: the retry is a duplicate, the relay publishes, the re-decided amount is paid once', async () => {
    await freshQueues();
    const payload = aWebhook();
    const caseId = caseIdFor(TEST_MARKETPLACE, payload.return.marketplaceReturnId);
    await intake()(signedWebhookEvent(payload));
    if (payload.eventType !== 'return.requested') throw new Error('a request');
    // Received and inspected together: used by the buyer, grade B (10% depreciation + the return label).
    const inspected = aReturnShipment(payload.return, {
      inspection: { outcome: 'USED_OR_DAMAGED_BY_BUYER', conditionGrade: 'B', inspectedAt: '2026-11-09T10:00:00Z' },
    });
    const crashing = new FaultyCaseStore(store).crashOnCommit((c) => c.outbox !== undefined, 'AFTER');
    expect((await intake({ store: crashing })(signedWebhookEvent(inspected))).status).toBe(500);
    const decided = (await store.getCase(caseId)) as CaseRecord;
    const amount = 39_900 - 3_990 - 1_200;
    expect(decided).toMatchObject({ status: 'REFUND_PENDING', refund: { status: 'PENDING', amount } });
    expect(decided.decision?.refund.deductions.map((d) => d.code)).toEqual(['CONDITION_DEPRECIATION', 'RETURN_SHIPPING']);
    expect((await intake()(signedWebhookEvent(inspected))).body).toMatchObject({ caseId, duplicate: true });
    expect(await pendingOutboxFor(caseId)).toHaveLength(1);

    await relayRefundOutbox({ store, refunds: new SqsRefundQueue(sqsClient(), queues.refundQueueUrl), clock: systemClock }, { graceMs: 0 });
    startWorker();
    const refunded = await waitForStatus(caseId, 'REFUNDED');
    expect(paidFor(caseId)).toEqual([expect.objectContaining({ amount })]);
    expect(refunded.refund?.amount).toBe(refunded.decision?.refund.amount);
    const history = await store.getHistory(caseId);
    expect(history.filter((e) => e.action === 'REFUND_APPLIED')).toHaveLength(1);
    expect(history.filter((e) => e.action === 'REFUND_WITHDRAWN').map((e) => e.details.reason)).toEqual(['RETURN_INSPECTED']);
  });

  it('a staff top-up of a paid case pays only the difference, once, even when its message is delivered again', async () => {
    await freshQueues();
    const payload = aWebhook();
    const caseId = caseIdFor(TEST_MARKETPLACE, payload.return.marketplaceReturnId);
    // Inspected as used (grade B): 10% depreciation and the return label deducted, 34,710 paid.
    await requestAndReceive(payload, {
      shipment: { inspection: { outcome: 'USED_OR_DAMAGED_BY_BUYER', conditionGrade: 'B', inspectedAt: '2026-11-09T10:00:00Z' } },
    });
    startWorker();
    const partial = await waitForStatus(caseId, 'REFUNDED');
    expect(partial.refundedTotal).toBe(34_710);
    // Staff find the inspection wrong and raise the refund to the full amount.
    const staff = {
      now: new Date().toISOString(),
      actor: { kind: 'STAFF' as const, id: 'sup-1', role: 'supervisor' },
      role: 'supervisor' as const,
      policy: defaultPolicy,
    };
    expect(() => overrideDecision(partial, staff, { remedy: 'RETURN_AND_REFUND', reason: 'again', amount: 34_710 })).toThrow(
      /only a refund above/,
    );
    const topUp = overrideDecision(partial, staff, { remedy: 'RETURN_AND_REFUND', reason: 'inspection was wrong', amount: 39_900 });
    expect(topUp.outbox?.message.amount).toBe(5_190);
    await store.commit({
      next: topUp.next,
      expectedVersion: partial.version,
      events: topUp.events,
      ...(topUp.outbox ? { outbox: topUp.outbox } : {}),
    });
    const refunds = new SqsRefundQueue(sqsClient(), queues.refundQueueUrl);
    if (topUp.outbox === undefined) throw new Error('a top-up is due');
    await publishRefund({ store, refunds }, topUp.outbox);
    // The same message again, past SQS's deduplication (another id): the worker pays nothing more.
    await sqsClient().send(
      new SendMessageCommand({
        QueueUrl: queues.refundQueueUrl,
        MessageBody: JSON.stringify(topUp.outbox.message),
        MessageGroupId: caseId,
        MessageDeduplicationId: `${topUp.outbox.refundId}-again`,
      }),
    );
    const settled = await vi.waitFor(
      async () => {
        const found = (await store.getCase(caseId)) as CaseRecord;
        expect(found).toMatchObject({ status: 'REFUNDED', refund: { refundId: topUp.outbox?.refundId, status: 'APPLIED' } });
        return found;
      },
      { timeout: 20_000, interval: 100 },
    );
    await vi.waitFor(async () => expect(await approximateCount(queues.refundQueueUrl)).toBe(0), { timeout: 10_000 });
    expect(paidFor(caseId).map((p) => p.amount)).toEqual([34_710, 5_190]);
    expect(settled.refundedTotal).toBe(39_900);
  });

  it('SQS send failing: the outbox keeps the refund until a relay run gets it through, paid once', async () => {
    await freshQueues();
    const real = new SqsRefundQueue(sqsClient(), queues.refundQueueUrl);
    const failing = new FaultyRefundQueue(real).failNext(2);
    const payload = aWebhook();
    const caseId = caseIdFor(TEST_MARKETPLACE, payload.return.marketplaceReturnId);

    const res = await requestAndReceive(payload, { refunds: failing });
    expect(res.status).toBe(202); // the refund is safely recorded; the marketplace need not retry
    expect(await pendingOutboxFor(caseId)).toHaveLength(1);

    // The relay runs on a clock past the grace period; its first try fails too.
    const clock = fixedClock(new Date(Date.now() + 120_000));
    expect(await relayRefundOutbox({ store, refunds: failing, clock })).toMatchObject({ failed: 1 });
    expect(await pendingOutboxFor(caseId)).toHaveLength(1);
    expect(await relayRefundOutbox({ store, refunds: failing, clock })).toMatchObject({ published: 1, failed: 0 });
    expect(await pendingOutboxFor(caseId)).toEqual([]);

    startWorker();
    await waitForStatus(caseId, 'REFUNDED');
    expect(paidFor(caseId)).toHaveLength(1);
  });

  it('crash after the provider paid and before the case update: the retry gets the same receipt, paid once', async () => {
    await freshQueues();
    const payload = aWebhook();
    const caseId = caseIdFor(TEST_MARKETPLACE, payload.return.marketplaceReturnId);
    await requestAndReceive(payload);

    const crashing = new FaultyCaseStore(store).crashOnCommit((c) => c.next.status === 'REFUNDED', 'BEFORE');
    startWorker({ store: crashing });
    const refunded = await waitForStatus(caseId, 'REFUNDED');
    const paid = paidFor(caseId);
    expect(paid).toHaveLength(1);
    expect(paid[0]?.calls).toBe(2); // the provider saw the retry and answered from its idempotency record
    expect(refunded.refund?.providerReference).toBe(paid[0]?.reference);
    const applied = (await store.getHistory(caseId)).filter((e) => e.action === 'REFUND_APPLIED');
    expect(applied).toHaveLength(1);
    expect(applied[0]?.details).toMatchObject({ replayed: true });
  });

  it('provider pays but the response is lost (500): the retry gets the first receipt, paid once', async () => {
    await freshQueues();
    simulator.setFaults({ chargeThenFailNext: 1 });
    const payload = aWebhook();
    const caseId = caseIdFor(TEST_MARKETPLACE, payload.return.marketplaceReturnId);
    await requestAndReceive(payload);
    startWorker();
    await waitForStatus(caseId, 'REFUNDED');
    expect(paidFor(caseId)).toHaveLength(1);
    expect(paidFor(caseId)[0]?.calls).toBe(2);
  });

  it('provider failing twice, then succeeding: retried after the visibility timeout, paid once', async () => {
    await freshQueues();
    simulator.setFaults({ failNext: 2 });
    const payload = aWebhook();
    const caseId = caseIdFor(TEST_MARKETPLACE, payload.return.marketplaceReturnId);
    await requestAndReceive(payload);
    startWorker();
    await waitForStatus(caseId, 'REFUNDED');
    expect(paidFor(caseId)).toHaveLength(1);
    expect(simulator.callCount()).toBe(3);
    expect(await approximateCount(queues.refundDlqUrl)).toBe(0);
  });

  it('provider timing out once: the worker gives up in time and the retry pays once', async () => {
    await freshQueues();
    simulator.setFaults({ timeoutNext: 1 });
    const payload = aWebhook();
    const caseId = caseIdFor(TEST_MARKETPLACE, payload.return.marketplaceReturnId);
    await requestAndReceive(payload);
    startWorker({ timeoutMs: 300 });
    await waitForStatus(caseId, 'REFUNDED');
    expect(paidFor(caseId)).toHaveLength(1);
  });

  it('a poison message ends in the dead-letter queue after the configured receive count', async () => {
    await freshQueues();
    startWorker();
    const poison = [
      'not json at all',
      JSON.stringify({ schemaVersion: 1, refundId: 'nope' }),
      // Well-formed, but for a case that does not exist.
      JSON.stringify({
        schemaVersion: 1,
        refundId: `rf_${'a'.repeat(24)}_1`,
        caseId: `cs_${'a'.repeat(24)}`,
        sellerId: 's',
        amount: 100,
        currency: 'CNY',
        decidedAtVersion: 1,
      }),
    ];
    for (const [i, body] of poison.entries()) {
      await sqsClient().send(
        new SendMessageCommand({
          QueueUrl: queues.refundQueueUrl,
          MessageBody: body,
          MessageGroupId: `poison-${i}`,
          MessageDeduplicationId: `poison-${i}`,
        }),
      );
    }
    await vi.waitFor(async () => expect(await approximateCount(queues.refundDlqUrl)).toBe(poison.length), {
      timeout: 25_000,
      interval: 250,
    });
    expect(await approximateCount(queues.refundQueueUrl)).toBe(0);
    const dead = await sqsClient().send(
      new ReceiveMessageCommand({
        QueueUrl: queues.refundDlqUrl,
        MaxNumberOfMessages: 10,
        MessageSystemAttributeNames: ['ApproximateReceiveCount'],
      }),
    );
    expect(new Set(dead.Messages?.map((m) => m.Body))).toEqual(new Set(poison));
    expect(simulator.callCount()).toBe(0);
  });

  it('a refund dead-lettered after the provider charged it, redriven from the DLQ, is settled without a second payment', async () => {
    await freshQueues();
    // Every delivery: the provider charges (once; later calls replay) and then answers 500.
    simulator.setFaults({ chargeThenFailNext: MAX_RECEIVES });
    const payload = aWebhook();
    const caseId = caseIdFor(TEST_MARKETPLACE, payload.return.marketplaceReturnId);
    await requestAndReceive(payload);
    startWorker();
    await vi.waitFor(async () => expect(await approximateCount(queues.refundDlqUrl)).toBe(1), { timeout: 25_000, interval: 250 });
    // Stuck: paid at the provider, claimed but not settled on the case.
    expect(paidFor(caseId)).toHaveLength(1);
    const stuck = (await store.getCase(caseId)) as CaseRecord;
    expect(stuck).toMatchObject({ status: 'REFUND_PENDING', refund: { status: 'APPLYING' } });
    const redrive = { sqs: sqsClient(), deadLetterQueueUrl: queues.refundDlqUrl, queueUrl: queues.refundQueueUrl, max: 10 };

    expect(await redriveRefunds({ ...redrive, dryRun: true })).toEqual({ moved: 1, refundIds: [stuck.refund?.refundId] });
    expect(await approximateCount(queues.refundDlqUrl)).toBe(1);
    expect(await redriveRefunds(redrive)).toEqual({ moved: 1, refundIds: [stuck.refund?.refundId] });

    const settled = await waitForStatus(caseId, 'REFUNDED');
    expect(paidFor(caseId)).toEqual([expect.objectContaining({ idempotencyKey: stuck.refund?.refundId, calls: MAX_RECEIVES + 1 })]);
    expect(settled.refund).toMatchObject({ status: 'APPLIED', providerReference: paidFor(caseId)[0]?.reference });
    const history = await store.getHistory(caseId);
    expect(history.filter((e) => e.action === 'REFUND_STARTED')).toHaveLength(1);
    expect(history.filter((e) => e.action === 'REFUND_APPLIED').map((e) => e.details.replayed)).toEqual([true]);
    expect(await approximateCount(queues.refundDlqUrl)).toBe(0);
    // Run again (an operator's second click): nothing left to move, nothing paid.
    expect(await redriveRefunds(redrive)).toEqual({ moved: 0, refundIds: [] });
  });

  it('npm run redrive-refunds, as an operator runs it against the local engines: reports, moves, exits 0; a wrong queue exits 1 saying why', async () => {
    await freshQueues();
    const body = JSON.stringify({
      schemaVersion: 1,
      refundId: `rf_${'b'.repeat(24)}_1`,
      caseId: `cs_${'b'.repeat(24)}`,
      sellerId: 's',
      amount: 100,
      currency: 'CNY',
      decidedAtVersion: 1,
    });
    await sqsClient().send(
      new SendMessageCommand({ QueueUrl: queues.refundDlqUrl, MessageBody: body, MessageGroupId: 'g', MessageDeduplicationId: 'd' }),
    );
    const env = {
      ...process.env,
      AWS_ENDPOINT_URL_SQS: sqsEndpoint(),
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
    };
    const cli = (...args: string[]) =>
      spawnSync(process.execPath, ['ops/redrive-refunds.ts', ...args], { env, encoding: 'utf8', timeout: 30_000 });

    const dry = cli('--from', queues.refundDlqUrl, '--to', queues.refundQueueUrl, '--dry-run');
    expect({ status: dry.status, out: dry.stdout.trim() }).toEqual({ status: 0, out: `would move 1 message(s): rf_${'b'.repeat(24)}_1` });
    const real = cli('--from', queues.refundDlqUrl, '--to', queues.refundQueueUrl);
    expect({ status: real.status, out: real.stdout.trim() }).toEqual({ status: 0, out: `moved 1 message(s): rf_${'b'.repeat(24)}_1` });
    expect(await approximateCount(queues.refundDlqUrl)).toBe(0);
    expect(await approximateCount(queues.refundQueueUrl)).toBe(1);

    const wrong = cli('--from', `${queues.refundDlqUrl}-nope`, '--to', queues.refundQueueUrl);
    expect(wrong.status).toBe(1);
    expect(wrong.stderr).toMatch(/^redrive stopped: QueueDoesNotExist/);
    expect(cli('--from', queues.refundDlqUrl).status).toBe(2);
  });

  it('a return cancelled before the worker ran is never paid', async () => {
    await freshQueues();
    const ret = aReturn();
    const receive = intake();
    const created = await requestAndReceive(aWebhook('return.requested', ret));
    const cancelled = await receive(signedWebhookEvent(aCancellation(ret)));
    expect(cancelled.body).toMatchObject({ status: 'CANCELLED' });
    startWorker();
    await vi.waitFor(async () => expect(await approximateCount(queues.refundQueueUrl)).toBe(0), { timeout: 10_000 });
    expect(paidFor(created.body.caseId)).toEqual([]);
    expect((await store.getCase(created.body.caseId))?.status).toBe('CANCELLED');
  });

  it('refuses to cancel a refunded return (409) and writes nothing', async () => {
    await freshQueues();
    const ret = aReturn();
    const receive = intake();
    const created = await requestAndReceive(aWebhook('return.requested', ret));
    startWorker();
    await waitForStatus(created.body.caseId, 'REFUNDED');
    const before = await scanCount();
    const refused = await receive(signedWebhookEvent(aCancellation(ret)));
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ code: 'ILLEGAL_TRANSITION' });
    expect(await scanCount()).toBe(before);
  });

  it('refuses a write made on a stale version, and leaves the winning write in place', async () => {
    await freshQueues();
    const created = await intake()(signedWebhookEvent(aWebhook()));
    const read = (await store.getCase(created.body.caseId)) as CaseRecord;
    // Two writers read the same version; the first one commits.
    const winner: CaseRecord = { ...read, version: read.version + 1, updatedAt: new Date().toISOString() };
    await store.commit({ next: winner, expectedVersion: read.version, events: [] });
    // The second one commits on what it read: refused, nothing of it written.
    const loser: CaseRecord = { ...read, version: read.version + 1, priority: 'URGENT' };
    await expect(store.commit({ next: loser, expectedVersion: read.version, events: [] })).rejects.toThrow(ConcurrentModificationError);
    expect(await store.getCase(created.body.caseId)).toEqual(winner);
  });
});

const scanCount = () => countItems(tableName);
