import type { SQSEvent } from 'aws-lambda';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { DynamoDbCaseStore } from '#lib/adapters/dynamodb-case-store.ts';
import { DynamoDbDueCases } from '#lib/adapters/dynamodb-due-cases.ts';
import { StaticPolicyProvider } from '#lib/adapters/static-policy-provider.ts';
import { StaticWebhookSecrets } from '#lib/adapters/static-webhook-secrets.ts';
import { BUSINESS_METRICS } from '#lib/business-metrics.ts';
import { PaymentProviderError } from '#lib/contract/errors.ts';
import type { RefundMessage } from '#lib/contract/refund-message.ts';
import { httpHandler } from '#lib/http/http-handler.ts';
import { receiveWebhookRoute } from '#lib/http/routes/receive-webhook.ts';
import { canonicalOnly } from '#lib/marketplaces/index.ts';
import type { CaseStore } from '#lib/ports/case-store.ts';
import { fixedClock, systemClock } from '#lib/ports/clock.ts';
import type { PaymentProvider } from '#lib/ports/payment-provider.ts';
import type { RefundQueue } from '#lib/ports/refund-queue.ts';
import { applyRefundHandler } from '#lib/sqs/apply-refund-records.ts';
import { escalateStaleCases } from '#lib/use-cases/escalate-stale-cases.ts';
import { meteredCaseStore } from '#lib/wiring/case-store.ts';
import { seedCases } from '#test/support/case-factory.ts';
import { createTestTable, documentClient } from '#test/support/engines.ts';
import { aReturn, aWebhook, lambdaContext, signedWebhookEvent, TEST_MARKETPLACE, TEST_SECRET } from '#test/support/webhook-factory.ts';

/**
 * Each business metric is emitted once per event, read from the EMF lines Powertools writes
 * on stdout (no mock of the metrics or the store): duplicate deliveries, replayed refunds and
 * overlapping sweeps must not count twice.
 */

type Emf = Record<string, any> & { _aws: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][] }[] } };

let written: string[] = [];
beforeEach(() => {
  written = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    written.push(String(chunk));
    return true;
  });
});
afterEach(() => {
  vi.restoreAllMocks();
});

function emf(): Emf[] {
  return written
    .flatMap((chunk) => chunk.split('\n'))
    .filter((line) => line.includes('"_aws"'))
    .map((line) => JSON.parse(line) as Emf);
}

/** The documents carrying `metric`, as { value, dimensions } (the service dimension left out). */
function points(metric: string): { value: number; dims: Record<string, string> }[] {
  return emf()
    .filter((doc) => metric in doc)
    .map((doc) => {
      const names = (doc._aws.CloudWatchMetrics[0]?.Dimensions[0] ?? []).filter((d) => d !== 'service');
      return { value: doc[metric] as number, dims: Object.fromEntries(names.map((n) => [n, doc[n] as string])) };
    });
}

let store: CaseStore;
let rawStore: DynamoDbCaseStore;
let table: string;
beforeAll(async () => {
  table = await createTestTable();
  rawStore = new DynamoDbCaseStore(documentClient(), table);
  store = meteredCaseStore(rawStore);
});

function intake(published: RefundMessage[]) {
  const refunds: RefundQueue = { publish: async (m) => void published.push(m) };
  const handler = httpHandler(
    receiveWebhookRoute({
      store,
      secrets: new StaticWebhookSecrets({ [TEST_MARKETPLACE]: TEST_SECRET }),
      policies: new StaticPolicyProvider(),
      marketplaces: canonicalOnly,
      refunds,
      clock: systemClock,
      backoff: async () => undefined,
    }),
  );
  return async (event: ReturnType<typeof signedWebhookEvent>) =>
    (await handler(event, lambdaContext('receive-webhook'))) as { statusCode: number; body: string };
}

function sqsEventOf(message: RefundMessage, messageId: string): SQSEvent {
  return {
    Records: [
      {
        messageId,
        receiptHandle: `rh-${messageId}`,
        body: JSON.stringify(message),
        attributes: {
          ApproximateReceiveCount: '1',
          SentTimestamp: String(Date.now()),
          SenderId: 'test',
          ApproximateFirstReceiveTimestamp: String(Date.now()),
          MessageGroupId: message.caseId,
          MessageDeduplicationId: message.refundId,
        },
        messageAttributes: {},
        md5OfBody: '',
        eventSource: 'aws:sqs',
        eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:refunds.fifo',
        awsRegion: 'us-east-1',
      },
    ],
  };
}

describe('business metrics, once per event', () => {
  it('a delivery and its duplicate: two acceptances (NEW, DUPLICATE), one decision, one refund released', async () => {
    const published: RefundMessage[] = [];
    const receive = intake(published);
    const payload = cheapReturn();
    expect((await receive(signedWebhookEvent(payload))).statusCode).toBe(202);
    expect((await receive(signedWebhookEvent(payload))).statusCode).toBe(202);

    expect(points(BUSINESS_METRICS.webhooksAccepted)).toEqual([
      { value: 1, dims: { result: 'NEW' } },
      { value: 1, dims: { result: 'DUPLICATE' } },
    ]);
    const decisions = points(BUSINESS_METRICS.decisions);
    expect(decisions).toHaveLength(1);
    expect(decisions[0]).toMatchObject({ value: 1, dims: { remedy: expect.any(String), dominantParty: expect.any(String) } });
    expect(Object.keys(decisions[0]?.dims ?? {}).sort()).toEqual(['dominantParty', 'remedy']);
    expect(points(BUSINESS_METRICS.refundsReleased)).toEqual([{ value: 1, dims: {} }]);
    expect(points(BUSINESS_METRICS.webhooksRefused)).toEqual([]);
    // No identifier is ever a dimension.
    for (const doc of emf()) expect(doc._aws.CloudWatchMetrics[0]?.Dimensions.flat()).not.toContain('caseId');
  });

  it('a delivery with a bad signature: one refusal under its problem code and status, no acceptance', async () => {
    const receive = intake([]);
    const res = await receive(signedWebhookEvent(aWebhook(), { secret: 'another-secret-that-is-at-least-32-chars' }));
    expect(res.statusCode).toBe(401);
    const code = (JSON.parse(res.body) as { code: string }).code;
    expect(points(BUSINESS_METRICS.webhooksRefused)).toEqual([{ value: 1, dims: { code, status: '401' } }]);
    expect(points(BUSINESS_METRICS.webhooksAccepted)).toEqual([]);
    expect(points(BUSINESS_METRICS.decisions)).toEqual([]);
  });

  it('a refund delivered twice to the worker: paid once, its money counted once per currency', async () => {
    const published: RefundMessage[] = [];
    await intake(published)(signedWebhookEvent(cheapReturn()));
    const [message] = published;
    if (message === undefined) throw new Error('the delivery made no refund due');
    written = [];
    const payments: PaymentProvider = { refund: async () => ({ providerReference: `ref-${message.refundId}`, replayed: false }) };
    const worker = applyRefundHandler({ payments, store, clock: systemClock, policies: new StaticPolicyProvider() });
    await worker(sqsEventOf(message, 'm-1'), lambdaContext('apply-refund'));
    await worker(sqsEventOf(message, 'm-2'), lambdaContext('apply-refund'));
    expect((await rawStore.getCase(message.caseId))?.status).toBe('REFUNDED');

    expect(points(BUSINESS_METRICS.refundsPaid)).toEqual([{ value: 1, dims: {} }]);
    expect(points(BUSINESS_METRICS.moneyPaid)).toEqual([{ value: message.amount, dims: { currency: message.currency } }]);
    expect(points(BUSINESS_METRICS.refundsFailed)).toEqual([]);
  });

  it('a refund the provider refuses for good: acknowledged (the case waits for staff), one failure by reason, nothing paid', async () => {
    const published: RefundMessage[] = [];
    await intake(published)(signedWebhookEvent(cheapReturn()));
    const [message] = published;
    if (message === undefined) throw new Error('the delivery made no refund due');
    written = [];
    const refusing: PaymentProvider = {
      refund: async () => {
        throw new PaymentProviderError('Payment provider refused the refund with 422', false);
      },
    };
    const worker = applyRefundHandler({ payments: refusing, store, clock: systemClock, policies: new StaticPolicyProvider() });
    const answer = await worker(sqsEventOf(message, 'm-1'), lambdaContext('apply-refund'));
    expect(answer).toEqual({ batchItemFailures: [] });
    expect((await store.getCase(message.caseId))?.refund?.status).toBe('REFUSED');

    expect(points(BUSINESS_METRICS.refundsFailed)).toEqual([{ value: 1, dims: { reason: 'PROVIDER_REFUSED' } }]);
    expect(points(BUSINESS_METRICS.refundsPaid)).toEqual([]);
    expect(points(BUSINESS_METRICS.moneyPaid)).toEqual([]);
  });

  it('the review backlog counts every case awaiting staff, due or not, and nothing else', async () => {
    const own = await createTestTable();
    const ownStore = new DynamoDbCaseStore(documentClient(), own);
    await seedCases(ownStore, [
      { shape: 'NEEDS_REVIEW', level: 'AGENT', dueAt: '2026-11-10T11:00:00.000Z' },
      { shape: 'AWAITING_APPROVAL', level: 'SUPERVISOR', dueAt: '2999-01-01T00:00:00.000Z' },
      { shape: 'NEEDS_REVIEW' },
      { shape: 'REFUND_PENDING' },
    ]);
    const stored = await new DynamoDbDueCases(documentClient(), own).countOpen();
    expect(stored).toBe(3);
  });

  it('two overlapping escalation sweeps: one SLA breach per case moved, whichever sweep moved it', async () => {
    const NOW = '2026-11-10T12:00:00.000Z';
    const anHourAgo = '2026-11-10T11:00:00.000Z';
    const seeded = await seedCases(
      rawStore,
      Array.from({ length: 12 }, (_, i) => ({
        shape: 'NEEDS_REVIEW' as const,
        level: i % 2 === 0 ? ('AGENT' as const) : ('MANAGER' as const),
        dueAt: anHourAgo,
      })),
    );
    written = [];
    const deps = {
      store,
      dueCases: new DynamoDbDueCases(documentClient(), table),
      refunds: { publish: async () => undefined } satisfies RefundQueue,
      clock: fixedClock(NOW),
      policies: new StaticPolicyProvider(),
    };
    const [a, b] = await Promise.all([
      escalateStaleCases(deps, { limit: 100, concurrency: 4 }),
      escalateStaleCases(deps, { limit: 100, concurrency: 4 }),
    ]);
    expect(a.escalated + b.escalated + a.defaultResolutions + b.defaultResolutions).toBe(seeded.length);

    const breaches = points(BUSINESS_METRICS.slaBreaches);
    expect(breaches).toHaveLength(seeded.length);
    expect(breaches.filter((p) => p.dims.kind === 'ESCALATED')).toHaveLength(a.escalated + b.escalated);
    expect(breaches.filter((p) => p.dims.kind === 'DEFAULT_RESOLUTION')).toHaveLength(a.defaultResolutions + b.defaultResolutions);
  });
});

/** Worth less than the trip back (returnless, #15): its refund is due at decision, as these tests need. */
function cheapReturn() {
  return aWebhook('return.requested', aReturn({ money: { currency: 'CNY', itemValue: 2_000, amountPaid: 2_000, shippingCost: 1_200 } }));
}
