import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbCaseStore } from '#lib/adapters/dynamodb-case-store.ts';
import { StaticWebhookSecrets } from '#lib/adapters/static-webhook-secrets.ts';
import { caseIdFor } from '#lib/workflow/case.ts';
import { httpHandler } from '#lib/http/http-handler.ts';
import { receiveWebhookRoute } from '#lib/http/routes/receive-webhook.ts';
import { systemClock } from '#lib/ports/clock.ts';
import { StaticPolicyProvider } from '#lib/adapters/static-policy-provider.ts';
import { SqsRefundQueue } from '#lib/adapters/sqs-refund-queue.ts';
import { createTestQueues, createTestTable, documentClient, sqsClient, countItems } from '#test/support/engines.ts';
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

let tableName: string;
let store: DynamoDbCaseStore;
let handler: ReturnType<typeof httpHandler>;

async function invoke(event: ReturnType<typeof signedWebhookEvent>) {
  const res = (await handler(event, lambdaContext('receive-webhook'))) as { statusCode: number; body: string };
  return { status: res.statusCode, body: JSON.parse(res.body) as Record<string, any> };
}

const itemCount = () => countItems(tableName);

beforeAll(async () => {
  tableName = await createTestTable();
  const queues = await createTestQueues();
  store = new DynamoDbCaseStore(documentClient(), tableName);
  handler = httpHandler(
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
});

describe('POST /webhooks/{marketplace}', () => {
  it('stores a signed return request as a case, decided on intake, with its history', async () => {
    const payload = aWebhook();
    const res = await invoke(signedWebhookEvent(payload));
    expect(res.status).toBe(202);
    const caseId = caseIdFor(TEST_MARKETPLACE, payload.return.marketplaceReturnId);
    expect(res.body).toMatchObject({ caseId, duplicate: false });

    const stored = await store.getCase(caseId);
    // A return and refund: held until the goods are back (#15), nothing queued.
    expect(stored).toMatchObject({ status: 'AWAITING_RETURN', version: 1, sellerId: 'seller-1', marketplace: TEST_MARKETPLACE });
    const history = await store.getHistory(caseId);
    expect(history.map((e) => e.action)).toEqual(['CASE_RECEIVED', 'DECISION_MADE', 'REFUND_HELD']);
    expect(history[0]).toMatchObject({ actor: { kind: 'MARKETPLACE', id: TEST_MARKETPLACE } });
  });

  it('answers a retried delivery with the same case and writes nothing', async () => {
    const payload = aWebhook();
    const first = await invoke(signedWebhookEvent(payload));
    const before = await itemCount();
    const again = await invoke(signedWebhookEvent(payload));
    expect(again.status).toBe(202);
    expect(again.body).toMatchObject({ caseId: first.body.caseId, duplicate: true });
    expect(await itemCount()).toBe(before);
  });

  it('refuses a delivery id reused with another body (409) and writes nothing', async () => {
    const payload = aWebhook();
    await invoke(signedWebhookEvent(payload));
    const before = await itemCount();
    const reused = aWebhook('return.requested', aReturn(), { deliveryId: payload.deliveryId });
    const res = await invoke(signedWebhookEvent(reused));
    expect(res.status).toBe(409);
    expect(await itemCount()).toBe(before);
  });

  it('applies an update and a cancellation, each with its history event', async () => {
    const ret = aReturn();
    const created = await invoke(signedWebhookEvent(aWebhook('return.requested', ret)));
    const updated = await invoke(
      signedWebhookEvent(aWebhook('return.updated', { ...ret, reasonDetail: 'still leaking' }, { occurredAt: '2026-11-06T10:00:00Z' })),
    );
    expect(updated.status).toBe(202);
    const cancelled = await invoke(signedWebhookEvent(aCancellation(ret)));
    expect(cancelled.body).toMatchObject({ caseId: created.body.caseId, status: 'CANCELLED' });
    const history = await store.getHistory(created.body.caseId);
    // The update arrives while the refund is held: same remedy and amount, so facts kept and the
    // decision stands; then cancelled before any payment started.
    expect(history.map((e) => [e.action, e.version])).toEqual([
      ['CASE_RECEIVED', 1],
      ['DECISION_MADE', 1],
      ['REFUND_HELD', 1],
      ['RETURN_UPDATED', 2],
      ['RETURN_CANCELLED', 3],
    ]);
    expect((await store.getCase(created.body.caseId))?.refund?.status).toBe('CANCELLED');
  });

  describe('duplicates arriving at the same moment', () => {
    it('25 concurrent copies of one delivery create exactly one case', async () => {
      const payload = aWebhook();
      const results = await Promise.all(Array.from({ length: 25 }, () => invoke(signedWebhookEvent(payload))));
      expect(results.every((r) => r.status === 202)).toBe(true);
      expect(results.filter((r) => r.body.duplicate === false)).toHaveLength(1);
      expect(new Set(results.map((r) => r.body.caseId)).size).toBe(1);
      const history = await store.getHistory(results[0]!.body.caseId);
      expect(history.filter((e) => e.action === 'CASE_RECEIVED')).toHaveLength(1);
      expect(history.filter((e) => e.action === 'REFUND_HELD')).toHaveLength(1);
    });

    it('25 concurrent requests for one return with different delivery ids create exactly one case', async () => {
      const ret = aReturn();
      const before = await itemCount();
      const results = await Promise.all(Array.from({ length: 25 }, () => invoke(signedWebhookEvent(aWebhook('return.requested', ret)))));
      expect(results.every((r) => r.status === 202)).toBe(true);
      expect(results.filter((r) => r.body.duplicate === false)).toHaveLength(1);
      const caseId = caseIdFor(TEST_MARKETPLACE, ret.marketplaceReturnId);
      const history = await store.getHistory(caseId);
      expect(history.map((e) => e.action)).toEqual(['CASE_RECEIVED', 'DECISION_MADE', 'REFUND_HELD']);
      // One case, its history, one delivery record (a held refund has no outbox record) and the
      // two notifications the decision owes (decided, waiting on the buyer): the losers wrote nothing.
      expect(await itemCount()).toBe(before + 1 + history.length + 1 + 2);
    });
  });

  describe('refusals change nothing', () => {
    it.each([
      ['wrong secret', { secret: 'not-the-secret-but-long-enough-000000000' }, 'SIGNATURE_MISMATCH'],
      ['stale timestamp', { timestamp: Math.floor(Date.now() / 1000) - 600 }, 'TIMESTAMP_OUT_OF_TOLERANCE'],
      ['future timestamp', { timestamp: Math.floor(Date.now() / 1000) + 600 }, 'TIMESTAMP_OUT_OF_TOLERANCE'],
      ['malformed header', { signature: 't=abc,v1=xyz' }, 'MALFORMED_HEADER'],
      ['missing header', { signature: null }, 'MISSING_HEADER'],
    ] as const)('401 for %s', async (_name, opts, reason) => {
      const before = await itemCount();
      const res = await invoke(signedWebhookEvent(aWebhook(), opts));
      expect(res.status).toBe(401);
      expect(res.body).toMatchObject({ code: 'INVALID_SIGNATURE' });
      expect(res.body.detail).toContain(reason);
      expect(await itemCount()).toBe(before);
    });

    it('the return parcel (#15): 404 naming an unknown return, 409 for another seller’s case, 409 for an inspection of a cancelled case; nothing written', async () => {
      const unknown = aReturn();
      let before = await itemCount();
      const notFound = await invoke(signedWebhookEvent(aReturnShipment(unknown)));
      expect(notFound.status).toBe(404);
      expect(notFound.body).toMatchObject({ code: 'NOT_FOUND', status: 404 });
      expect(notFound.body.detail).toContain(unknown.marketplaceReturnId);
      expect(await itemCount()).toBe(before);

      const ret = aReturn();
      await invoke(signedWebhookEvent(aWebhook('return.requested', ret)));
      before = await itemCount();
      const foreign = await invoke(signedWebhookEvent(aReturnShipment({ ...ret, sellerId: 'someone-else' })));
      expect(foreign.status).toBe(409);
      expect(foreign.body.detail).toContain(ret.marketplaceReturnId);
      expect(await itemCount()).toBe(before);

      await invoke(signedWebhookEvent(aCancellation(ret)));
      before = await itemCount();
      const inspection = { outcome: 'AS_SENT' as const, inspectedAt: '2026-11-09T10:00:00Z' };
      const cancelled = await invoke(signedWebhookEvent(aReturnShipment(ret, { inspection })));
      expect(cancelled.status).toBe(409);
      expect(cancelled.body).toMatchObject({ code: 'ILLEGAL_TRANSITION' });
      expect(cancelled.body.detail).toContain('is cancelled: it takes no inspection');
      expect(await itemCount()).toBe(before);
    });

    it('404 for an unknown marketplace', async () => {
      const res = await invoke(signedWebhookEvent(aWebhook(), { marketplace: 'nowhere' }));
      expect(res.status).toBe(404);
      expect(res.body.detail).toContain('nowhere');
    });

    it('413 for a body above 256 KiB, even when correctly signed', async () => {
      const payload = aWebhook('return.requested', aReturn({ reasonDetail: 'x'.repeat(300 * 1024) }));
      const res = await invoke(signedWebhookEvent(payload));
      expect(res.status).toBe(413);
    });

    it('400 for a body that is not JSON', async () => {
      const res = await invoke(signedWebhookEvent('{"eventType":'));
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('MALFORMED_JSON');
    });

    it('400 naming each bad field', async () => {
      const payload = aWebhook('return.requested', aReturn({ money: { currency: 'eur', itemValue: 10, amountPaid: 9.5 } }));
      const res = await invoke(signedWebhookEvent(payload));
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
      const fields = (res.body.issues as { field: string }[]).map((i) => i.field);
      expect(fields).toEqual(expect.arrayContaining(['return.money.currency', 'return.money.amountPaid']));
    });

    it('400 naming an unknown field', async () => {
      const payload = { ...aWebhook(), surprise: true };
      const res = await invoke(signedWebhookEvent(payload as never));
      expect(res.status).toBe(400);
      expect(res.body.issues).toEqual([{ field: 'surprise', problem: 'is not a known field' }]);
    });

    it('415 for a body that is not declared JSON', async () => {
      const event = signedWebhookEvent(aWebhook());
      event.headers['content-type'] = 'text/plain';
      const res = await invoke(event);
      expect(res.status).toBe(415);
    });

    it('415 naming Content-Type when it is missing, a JSON look-alike or another charset, nothing written; UTF-8 JSON however spelled is accepted', async () => {
      const before = await itemCount();
      for (const contentType of [undefined, 'application/json-seq', 'application/json; charset=iso-8859-1']) {
        const event = signedWebhookEvent(aWebhook());
        if (contentType === undefined) delete event.headers['content-type'];
        else event.headers['content-type'] = contentType;
        const res = await invoke(event);
        expect(res.status, String(contentType)).toBe(415);
        expect(res.body).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE', detail: expect.stringContaining('Content-Type') });
        expect(res.body.requestId).toBe(event.requestContext.requestId);
      }
      expect(await itemCount()).toBe(before);
      for (const contentType of ['application/json; charset=utf-8', 'Application/JSON;charset="UTF-8"']) {
        const event = signedWebhookEvent(aWebhook());
        event.headers['content-type'] = contentType;
        expect((await invoke(event)).status, contentType).toBe(202);
      }
    });

    it('random malformed bodies, correctly signed, never yield 5xx and never write', async () => {
      const valid = aWebhook();
      // Bodies that are near-valid (one field replaced by anything) and bodies that are anything.
      const mutated = fc
        .tuple(fc.constantFrom('eventType', 'deliveryId', 'occurredAt', 'schemaVersion', 'return'), fc.anything())
        .map(([key, value]) => JSON.stringify({ ...valid, [key]: value }));
      const deepMutated = fc
        .tuple(fc.constantFrom('money', 'timeline', 'evidence', 'reason', 'sellerId', 'carrier', 'listing'), fc.jsonValue())
        .map(([key, value]) => JSON.stringify({ ...valid, return: { ...valid.return, [key]: value } }));
      const arbitrary = fc.oneof(fc.string(), fc.json(), mutated, deepMutated);
      await fc.assert(
        fc.asyncProperty(arbitrary, async (body) => {
          const before = await itemCount();
          const res = await invoke(signedWebhookEvent(body));
          // A mutation can land on a value that is still valid; only then may it be accepted.
          if (res.status === 202) return;
          expect(res.status).toBeGreaterThanOrEqual(400);
          expect(res.status).toBeLessThan(500);
          expect(res.body.code).toBeTypeOf('string');
          expect(await itemCount()).toBe(before);
        }),
        { numRuns: 1000 },
      );
      // 1,000 invocations with two table counts each: generous, so a loaded machine cannot fail it.
    }, 240_000);
  });
});
