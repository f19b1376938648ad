import { GetQueueAttributesCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDbDueCases } from '#lib/adapters/dynamodb-due-cases.ts';
import { caseKey } from '#lib/adapters/dynamodb/table-schema.ts';
import { escalateStaleCases } from '#lib/use-cases/escalate-stale-cases.ts';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { refundQueue as refundQueueDefinition } from '#infra/definitions.ts';
import { DynamoDbCaseStore } from '#lib/adapters/dynamodb-case-store.ts';
import { HttpPaymentProvider } from '#lib/adapters/http-payment-provider.ts';
import { SqsRefundQueue } from '#lib/adapters/sqs-refund-queue.ts';
import { StaticPolicyProvider } from '#lib/adapters/static-policy-provider.ts';
import { StaticWebhookSecrets } from '#lib/adapters/static-webhook-secrets.ts';
import { ConflictError, StaleVersionError } from '#lib/contract/errors.ts';
import { refundIdFor } from '#lib/contract/refund-message.ts';
import { httpHandler } from '#lib/http/http-handler.ts';
import { receiveWebhookRoute } from '#lib/http/routes/receive-webhook.ts';
import { canonicalOnly } from '#lib/marketplaces/index.ts';
import { fixedClock, systemClock } from '#lib/ports/clock.ts';
import { applyRefundHandler } from '#lib/sqs/apply-refund-records.ts';
import { runStaffCommand, type StaffCommandDeps, type StaffCommandInput } from '#lib/use-cases/staff-case-command.ts';
import { appealDecision as appealCommand } from '#lib/use-cases/staff-commands.ts';
import type { RefundQueue } from '#lib/ports/refund-queue.ts';
import type { AppealInput } from '#lib/workflow/appeal.ts';
import { relayRefundOutbox } from '#lib/use-cases/relay-refund-outbox.ts';
import { type CaseRecord, caseIdFor } from '#lib/workflow/case.ts';
import { createConsoleLogger } from '#local/console-logger.ts';
import { type PaymentSimulator, startPaymentSimulator } from '#local/payment-simulator.ts';
import { type ProvisionedQueues, provisionQueues } from '#local/provision.ts';
import { type SqsPoller, startSqsPoller } from '#local/sqs-poller.ts';
import { createTestTable, documentClient, sqsClient, uniqueSuffix } from '#test/support/engines.ts';
import { FaultyCaseStore, FaultyRefundQueue, SimulatedCrashError } from '#test/support/faults.ts';
import {
  aReturnShipment,
  aWebhook,
  lambdaContext,
  signedWebhookEvent,
  TEST_MARKETPLACE,
  TEST_SECRET,
} from '#test/support/webhook-factory.ts';

/**
 * Appeals (#19) on the real engines: a refunded case appealed once by a role above the deciding
 * one; only the difference above what was paid is topped up, through the outbox, the queue and
 * the worker, exactly once, whatever crashes, repeats or duplicate messages come in between.
 */

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

async function freshQueues(): Promise<void> {
  queues = await provisionQueues(sqsClient(), `test-${uniqueSuffix()}-`, { ...refundQueueDefinition, visibilityTimeoutSeconds: 1 });
}

function intake() {
  const handler = httpHandler(
    receiveWebhookRoute({
      store,
      secrets: new StaticWebhookSecrets({ [TEST_MARKETPLACE]: TEST_SECRET }),
      policies: new StaticPolicyProvider(),
      marketplaces: canonicalOnly,
      refunds: new SqsRefundQueue(sqsClient(), queues.refundQueueUrl),
      clock: systemClock,
      backoff: async () => undefined,
    }),
  );
  return async (event: ReturnType<typeof signedWebhookEvent>) => {
    const res = (await handler(event, lambdaContext('receive-webhook'))) as { statusCode: number; body: string };
    return { status: res.statusCode, body: JSON.parse(res.body) as Record<string, unknown> };
  };
}

function startWorker(): void {
  const handler = applyRefundHandler({
    store,
    payments: new HttpPaymentProvider({ baseUrl: simulator.url, timeoutMs: 2_000 }),
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

async function waitFor(caseId: string, check: (c: CaseRecord) => boolean): Promise<CaseRecord> {
  return vi.waitFor(
    async () => {
      const found = (await store.getCase(caseId)) as CaseRecord;
      expect(check(found)).toBe(true);
      return found;
    },
    { timeout: 20_000, interval: 100 },
  );
}

const paidFor = (caseId: string) => simulator.ledger().filter((entry) => entry.caseId === caseId);

/** Requested, received and inspected as used (grade B): 34,710 of 39,900 paid by the worker. */
async function partlyRefunded(): Promise<CaseRecord> {
  const payload = aWebhook();
  const caseId = caseIdFor(TEST_MARKETPLACE, payload.return.marketplaceReturnId);
  expect((await intake()(signedWebhookEvent(payload))).status).toBe(202);
  const inspected = aReturnShipment(payload.return, {
    inspection: { outcome: 'USED_OR_DAMAGED_BY_BUYER', conditionGrade: 'B', inspectedAt: '2026-11-09T10:00:00Z' },
  });
  expect((await intake()(signedWebhookEvent(inspected))).status).toBe(202);
  startWorker();
  const refunded = await waitFor(caseId, (c) => c.status === 'REFUNDED');
  expect(refunded.refundedTotal).toBe(34_710);
  return refunded;
}

const supervisor = (sellerId: string) => ({ userId: 'sup-1', sellerId, role: 'supervisor' as const });

/** The marketplace's `return.appealed` for a case, as a signed-webhook body. */
function appealedEvent(paid: CaseRecord, deliveryId: string): ReturnType<typeof aWebhook> {
  const event = {
    schemaVersion: 1,
    eventType: 'return.appealed',
    deliveryId,
    occurredAt: new Date().toISOString(),
    return: { marketplaceReturnId: paid.marketplaceReturnId, orderId: paid.orderId, sellerId: paid.sellerId },
  } as const;
  // The appeal names the return only: none of the snapshot a request carries.
  return event as unknown as ReturnType<typeof aWebhook>;
}

/** The appeal through the staff command frame, as the staff command route runs it after parsing the body. */
function appealDecision(deps: StaffCommandDeps & { refunds: RefundQueue }, input: StaffCommandInput & AppealInput) {
  const { principal, caseId, expectedVersion, ...body } = input;
  return runStaffCommand(deps, { principal, caseId, expectedVersion }, (current, ctx) =>
    appealCommand.change(current, ctx, body, { principal }),
  );
}

describe('an appeal of a refunded case', () => {
  it('tops up only the difference, once: a crash before the commit, a failed publish, a repeated request and a duplicate message pay nothing twice', async () => {
    await freshQueues();
    const paid = await partlyRefunded();
    const caseId = paid.caseId;
    const refunds = new FaultyRefundQueue(new SqsRefundQueue(sqsClient(), queues.refundQueueUrl));
    const input = {
      principal: supervisor(paid.sellerId),
      caseId,
      expectedVersion: paid.version,
      remedy: 'RETURN_AND_REFUND' as const,
      amount: 39_900,
      reason: 'the buyer showed the item was not used',
    };

    // Crash before the commit: nothing written, nothing owed.
    const crashBefore = new FaultyCaseStore(store).crashOnCommit(() => true, 'BEFORE');
    await expect(
      appealDecision({ store: crashBefore, policies: new StaticPolicyProvider(), clock: systemClock, refunds }, input),
    ).rejects.toThrow(SimulatedCrashError);
    expect((await store.getCase(caseId))?.version).toBe(paid.version);

    // Committed, then SQS refuses the publish: the top-up stays in the outbox.
    refunds.failNext(1);
    const appealed = await appealDecision({ store, policies: new StaticPolicyProvider(), clock: systemClock, refunds }, input);
    const topUpId = refundIdFor(caseId, paid.version + 1);
    expect(appealed.refund).toEqual({ refundId: topUpId, publish: 'PUBLISH_FAILED' });
    expect(appealed.case.appeal).toMatchObject({ outcome: 'CHANGED', appealedRole: 'agent', role: 'supervisor', topUp: 5_190 });
    expect(appealed.events[0]).toMatchObject({ action: 'APPEAL_DECIDED', details: { topUp: 5_190 } });

    // The same request again (a client retry): 412 on the old version, 409 on the new one.
    await expect(appealDecision({ store, policies: new StaticPolicyProvider(), clock: systemClock, refunds }, input)).rejects.toThrow(
      StaleVersionError,
    );
    await expect(
      appealDecision(
        { store, policies: new StaticPolicyProvider(), clock: systemClock, refunds },
        { ...input, expectedVersion: paid.version + 1 },
      ),
    ).rejects.toThrow(ConflictError);

    // The relay publishes it; the worker pays it; a duplicate message past SQS dedup pays nothing more.
    await relayRefundOutbox({ store, refunds: new SqsRefundQueue(sqsClient(), queues.refundQueueUrl), clock: systemClock }, { graceMs: 0 });
    await sqsClient().send(
      new SendMessageCommand({
        QueueUrl: queues.refundQueueUrl,
        MessageBody: JSON.stringify({
          schemaVersion: 1,
          refundId: topUpId,
          caseId,
          sellerId: paid.sellerId,
          amount: 5_190,
          currency: 'CNY',
          decidedAtVersion: paid.version + 1,
        }),
        MessageGroupId: caseId,
        MessageDeduplicationId: `${topUpId}-again`,
      }),
    );
    const settled = await waitFor(
      caseId,
      (c) => c.status === 'REFUNDED' && c.refund?.refundId === topUpId && c.refund.status === 'APPLIED',
    );
    // The duplicate is received and acknowledged without a payment: the queue drains.
    await vi.waitFor(
      async () => {
        const out = await sqsClient().send(
          new GetQueueAttributesCommand({
            QueueUrl: queues.refundQueueUrl,
            AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
          }),
        );
        expect(
          Number(out.Attributes?.ApproximateNumberOfMessages ?? 0) + Number(out.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0),
        ).toBe(0);
      },
      { timeout: 10_000, interval: 100 },
    );
    expect(paidFor(caseId).map((p) => p.amount)).toEqual([34_710, 5_190]);
    expect((await store.getCase(caseId))?.refundedTotal).toBe(39_900);
    expect(settled.appeal?.topUp).toBe(5_190);
    const history = await store.getHistory(caseId);
    expect(history.filter((e) => e.action === 'APPEAL_DECIDED')).toHaveLength(1);
    expect(history.filter((e) => e.action === 'REFUND_APPLIED')).toHaveLength(2);
  });

  it('asking no more than was paid upholds the decision and moves no money; an agent cannot decide an appeal', async () => {
    await freshQueues();
    const paid = await partlyRefunded();
    const deps = {
      store,
      policies: new StaticPolicyProvider(),
      clock: systemClock,
      refunds: new SqsRefundQueue(sqsClient(), queues.refundQueueUrl),
    };
    const base = {
      caseId: paid.caseId,
      expectedVersion: paid.version,
      remedy: 'RETURN_AND_REFUND' as const,
      amount: 30_000,
      reason: 'buyer appealed',
    };
    await expect(appealDecision(deps, { ...base, principal: { ...supervisor(paid.sellerId), role: 'agent' } })).rejects.toThrow(
      /role above/,
    );
    const upheld = await appealDecision(deps, { ...base, principal: supervisor(paid.sellerId) });
    expect(upheld.refund).toBeUndefined();
    expect(upheld.case).toMatchObject({ status: 'REFUNDED', refundedTotal: 34_710, appeal: { outcome: 'UPHELD', topUp: 0 } });
    expect(paidFor(paid.caseId).map((p) => p.amount)).toEqual([34_710]);
  });

  it('the marketplace’s return.appealed, delivered twice, records one request; staff then top up once', async () => {
    await freshQueues();
    const paid = await partlyRefunded();
    const appealEvent = appealedEvent(paid, `dlv-appeal-${paid.caseId}`);
    const first = await intake()(signedWebhookEvent(appealEvent));
    expect(first.status).toBe(202);
    expect(first.body).toMatchObject({ duplicate: false, status: 'REFUNDED' });
    const second = await intake()(signedWebhookEvent(appealEvent));
    expect(second.body).toMatchObject({ duplicate: true });
    const requested = (await store.getCase(paid.caseId)) as CaseRecord;
    expect(requested.appealRequest).toMatchObject({ appealedRole: 'agent' });
    expect((await store.getHistory(paid.caseId)).filter((e) => e.action === 'APPEAL_REQUESTED')).toHaveLength(1);

    const deps = {
      store,
      policies: new StaticPolicyProvider(),
      clock: systemClock,
      refunds: new SqsRefundQueue(sqsClient(), queues.refundQueueUrl),
    };
    const decided = await appealDecision(deps, {
      principal: supervisor(paid.sellerId),
      caseId: paid.caseId,
      expectedVersion: requested.version,
      remedy: 'RETURN_AND_REFUND',
      amount: 39_900,
      reason: 'marketplace appeal upheld',
    });
    expect(decided.refund?.publish).toBe('PUBLISHED');
    await waitFor(paid.caseId, (c) => c.refund?.refundId === decided.refund?.refundId && c.refund?.status === 'APPLIED');
    expect(paidFor(paid.caseId).map((p) => p.amount)).toEqual([34_710, 5_190]);
  });
  it('an appeal of a refunded case left undecided is escalated by the sweep, then held with the manager; nothing is paid until staff decide', async () => {
    await freshQueues();
    const paid = await partlyRefunded();
    const appealEvent = appealedEvent(paid, `dlv-appeal-late-${paid.caseId}`);
    expect((await intake()(signedWebhookEvent(appealEvent))).status).toBe(202);
    const requested = (await store.getCase(paid.caseId)) as CaseRecord;
    expect(requested).toMatchObject({ status: 'REFUNDED', escalationLevel: 'SUPERVISOR', dueAt: expect.any(String) });
    const entry = await documentClient().send(new GetCommand({ TableName: tableName, Key: caseKey(paid.caseId) }));
    expect(entry.Item?.deadlineAt).toBe(requested.dueAt);

    const sweepAt = (at: string) =>
      escalateStaleCases(
        {
          store,
          dueCases: new DynamoDbDueCases(documentClient(), tableName),
          refunds: new SqsRefundQueue(sqsClient(), queues.refundQueueUrl),
          clock: fixedClock(new Date(at)),
          policies: new StaticPolicyProvider(),
        },
        { limit: 100 },
      );
    const aMinuteAfter = (iso: string | undefined) => new Date(Date.parse(iso ?? '') + 60_000).toISOString();
    await sweepAt(aMinuteAfter(requested.dueAt));
    const escalated = (await store.getCase(paid.caseId)) as CaseRecord;
    expect(escalated).toMatchObject({ status: 'REFUNDED', escalationLevel: 'MANAGER', version: requested.version + 1 });
    expect(Date.parse(escalated.dueAt ?? '')).toBeGreaterThan(Date.parse(requested.dueAt ?? ''));

    await sweepAt(aMinuteAfter(escalated.dueAt));
    const held = (await store.getCase(paid.caseId)) as CaseRecord;
    expect(held).toMatchObject({ status: 'REFUNDED', escalationLevel: 'MANAGER' });
    expect(held.dueAt).toBeUndefined();
    const history = await store.getHistory(paid.caseId);
    expect(history.filter((e) => e.action === 'ESCALATED')).toHaveLength(1);
    expect(history.find((e) => e.action === 'DEFAULT_RESOLUTION')?.details).toMatchObject({ resolution: 'HOLD_WITH_MANAGER' });
    expect(paidFor(paid.caseId).map((p) => p.amount)).toEqual([34_710]);
    // Out of the due index once held; the manager still decides the appeal, and only the difference is paid.
    const gone = await documentClient().send(new GetCommand({ TableName: tableName, Key: caseKey(paid.caseId) }));
    expect(gone.Item?.deadlineAt).toBeUndefined();
    const decided = await appealDecision(
      { store, policies: new StaticPolicyProvider(), clock: systemClock, refunds: new SqsRefundQueue(sqsClient(), queues.refundQueueUrl) },
      {
        principal: { userId: 'mgr-1', sellerId: paid.sellerId, role: 'manager' as const },
        caseId: paid.caseId,
        expectedVersion: held.version,
        remedy: 'RETURN_AND_REFUND',
        amount: 39_900,
        reason: 'appeal upheld after escalation',
      },
    );
    await waitFor(paid.caseId, (c) => c.refund?.refundId === decided.refund?.refundId && c.refund?.status === 'APPLIED');
    expect(paidFor(paid.caseId).map((p) => p.amount)).toEqual([34_710, 5_190]);
  });
});
