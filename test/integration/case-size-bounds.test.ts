import { type AttributeValue, PutItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { StaticPolicyProvider } from '#lib/adapters/static-policy-provider.ts';
import { StaticWebhookSecrets } from '#lib/adapters/static-webhook-secrets.ts';
import { SqsRefundQueue } from '#lib/adapters/sqs-refund-queue.ts';
import { caseIdFor } from '#lib/workflow/case.ts';
import { MAX_CASE_EVIDENCE, MAX_STAFF_EVIDENCE, type WebhookPayloadInput, WebhookPayloadSchema } from '#lib/contract/return-payload.ts';
import { DYNAMODB_MAX_ITEM_BYTES } from '#lib/contract/storable.ts';
import { httpHandler } from '#lib/http/http-handler.ts';
import { receiveWebhookRoute } from '#lib/http/routes/receive-webhook.ts';
import {
  AddEvidenceBodySchema,
  ApproveBodySchema,
  AssignBodySchema,
  NoteBodySchema,
  OverrideBodySchema,
} from '#lib/http/seller-api-schemas.ts';
import { systemClock } from '#lib/ports/clock.ts';
import { MAX_WEBHOOK_BYTES } from '#lib/use-cases/receive-webhook.ts';
import { indexProjections, itemSize } from '#test/support/dynamodb-item-size.ts';
import { dynamoClient, sqsClient } from '#test/support/engines.ts';
import type { JsonSchema } from '#test/support/json-schema-walk.ts';
import { maximalValue } from '#test/support/maximal-value.ts';
import { createSellerApi, type SellerApi } from '#test/support/seller-api-harness.ts';
import { principal } from '#test/support/staff-factory.ts';
import { lambdaContext, signedWebhookEvent, TEST_MARKETPLACE, TEST_SECRET } from '#test/support/webhook-factory.ts';
import { canonicalOnly } from '#lib/marketplaces/index.ts';

/**
 * The largest case the contract allows fits in DynamoDB. Built through the real handlers
 * against DynamoDB Local from the published schemas themselves (test/support/maximal-value.ts):
 * a webhook with every field at its limit (every array full, free text in 3-byte UTF-8,
 * URIs and identifiers at full length), then staff evidence up to the per-case cap in full
 * requests, a note, an assignment, an override and an approval at full length, then the
 * largest update. Every item written (case, history events with DECISION_MADE's full trace,
 * delivery, outbox) and every index entry is measured; one more evidence item is a 4xx that
 * writes nothing.
 */

const inputSchema = (schema: z.core.$ZodType) => z.toJSONSchema(schema, { io: 'input' }) as JsonSchema;

/**
 * What JSON Schema cannot say. Money at the manager's CNY authority (CNY 50,000.00), so the
 * approval can pay it; numbers are at most 9 bytes each, strings are what make a case big.
 */
const moneyWithinAuthority = { currency: 'CNY', itemValue: 5_000_000, amountPaid: 5_000_000, shippingCost: 5_000_000 };

function largestPayload(eventType: 'return.requested' | 'return.updated', occurredAt: string): WebhookPayloadInput {
  const variant = (inputSchema(WebhookPayloadSchema).oneOf ?? []).find((v) => v.properties?.eventType?.const === eventType) as JsonSchema;
  return maximalValue(variant, '', {
    deliveryId: `dlv-${eventType}-${'x'.repeat(100)}`,
    occurredAt,
    'return.money': moneyWithinAuthority,
    'return.requestedAmount': moneyWithinAuthority.amountPaid,
    'return.payments.currency': 'CNY',
    'return.locale': `zh-Hans-CN-${'x'.repeat(24)}`,
  }) as WebhookPayloadInput;
}

const occurredAt = (minute: number) => `2026-11-06T09:${String(minute).padStart(2, '0')}:00.000000000+00:00`;

let api: SellerApi;
let webhook: ReturnType<typeof httpHandler>;

const requested = largestPayload('return.requested', occurredAt(0));
const ret = requested.return as { sellerId: string; marketplaceReturnId: string; evidence: unknown[] };
const caseId = caseIdFor(TEST_MARKETPLACE, ret.marketplaceReturnId);
/** Staff of the case's seller, with the longest ids there are (they are written into the case and its history). */
const manager = principal(ret.sellerId, 'manager', `m${'x'.repeat(127)}`);
const assignee = `a${'x'.repeat(127)}`;

beforeAll(async () => {
  api = await createSellerApi({ staff: { [ret.sellerId]: [manager.userId, assignee] } });
  webhook = httpHandler(
    receiveWebhookRoute({
      store: api.store,
      secrets: new StaticWebhookSecrets({ [TEST_MARKETPLACE]: TEST_SECRET }),
      policies: new StaticPolicyProvider(),
      refunds: new SqsRefundQueue(sqsClient(), api.queues.refundQueueUrl),
      clock: systemClock,
      backoff: async () => undefined,
      marketplaces: canonicalOnly,
    }),
  );
});

async function deliver(payload: WebhookPayloadInput) {
  const body = JSON.stringify(payload);
  const res = (await webhook(signedWebhookEvent(body), lambdaContext('receive-webhook'))) as { statusCode: number; body: string };
  return { status: res.statusCode, body: JSON.parse(res.body) as Record<string, any>, bytes: Buffer.byteLength(body, 'utf8') };
}

async function allItems(): Promise<Record<string, AttributeValue>[]> {
  const items: Record<string, AttributeValue>[] = [];
  let startKey: Record<string, AttributeValue> | undefined;
  do {
    const out = await dynamoClient().send(new ScanCommand({ TableName: api.tableName, ExclusiveStartKey: startKey, ConsistentRead: true }));
    items.push(...(out.Items ?? []));
    startKey = out.LastEvaluatedKey;
  } while (startKey !== undefined);
  return items;
}

/** The largest size seen of each item and index entry, by name: the case is rewritten at every step, so every step is measured. */
const largest = new Map<string, number>();

async function measure(): Promise<void> {
  for (const item of await allItems()) {
    if (item.pk?.S === CALIBRATION_PK) continue;
    const name = `${item.type?.S ?? '?'} ${item.sk?.S ?? ''}${item.action?.S ? ` ${item.action.S}` : ''}`;
    const sizes: [string, number][] = [
      [name, itemSize(item)],
      ...Object.entries(indexProjections(item)).map(([index, projected]): [string, number] => [`${name} in ${index}`, itemSize(projected)]),
    ];
    for (const [key, bytes] of sizes) largest.set(key, Math.max(bytes, largest.get(key) ?? 0));
  }
}

const CALIBRATION_PK = 'SIZE#€';

describe('the largest case the contract allows', () => {
  it('the item size this test computes is the one DynamoDB Local enforces', async () => {
    // A nested item of every kind of value, padded to exactly the limit, then one byte past it.
    const sample: Record<string, AttributeValue> = {
      pk: { S: CALIBRATION_PK },
      sk: { S: 'CASE' },
      m: {
        M: {
          n: { N: '49000' },
          f: { N: '0.123457' },
          neg: { N: '-7' },
          zero: { N: '0' },
          é: { BOOL: true },
          l: { L: [{ S: 'x😀' }, { NULL: true }, { M: {} }] },
        },
      },
    };
    const padFor = (extra: number) => ({
      ...sample,
      pad: { S: 'p'.repeat(DYNAMODB_MAX_ITEM_BYTES - itemSize({ ...sample, pad: { S: '' } }) + extra) },
    });
    await dynamoClient().send(new PutItemCommand({ TableName: api.tableName, Item: padFor(0) }));
    await expect(dynamoClient().send(new PutItemCommand({ TableName: api.tableName, Item: padFor(1) }))).rejects.toThrow(
      /Item size has exceeded/,
    );
  });

  it('is built through the real handlers, every item under 400 KB, and one more evidence item is a 4xx that writes nothing', async () => {
    // Prepare / Act: the largest webhook.
    const created = await deliver(requested);
    expect(created.status, JSON.stringify(created.body)).toBe(202);
    expect(created.bytes).toBeLessThanOrEqual(MAX_WEBHOOK_BYTES);
    expect(created.body.caseId).toBe(caseId);
    await measure();
    let version = 1;
    const as = manager;
    const expectOk = async (res: { status: number; body: any }, what: string) => {
      expect(res.status, `${what}: ${JSON.stringify(res.body).slice(0, 400)}`).toBe(200);
      version = res.body.case.version;
      await measure();
    };

    // Staff evidence up to the cap, in the largest requests the API takes.
    const perRequest = inputSchema(AddEvidenceBodySchema).properties?.evidence?.maxItems as number;
    for (let request = 0; request * perRequest < MAX_STAFF_EVIDENCE; request++) {
      const body = maximalValue(inputSchema(AddEvidenceBodySchema), `staff${request}`) as { evidence: unknown[] };
      body.evidence = body.evidence.slice(0, MAX_STAFF_EVIDENCE - request * perRequest);
      await expectOk(await api.call('evidence', { as, caseId, ifMatch: version, body }), `evidence request ${request}`);
    }

    // The other staff actions at full length.
    await expectOk(
      await api.call('note', { as, caseId, ifMatch: version, body: maximalValue(inputSchema(NoteBodySchema), 'note') }),
      'note',
    );
    await expectOk(
      await api.call('assign', {
        as,
        caseId,
        ifMatch: version,
        body: { ...(maximalValue(inputSchema(AssignBodySchema), 'assign') as object), assignee },
      }),
      'assign',
    );
    const override = maximalValue(inputSchema(OverrideBodySchema), 'override', { remedy: 'NO_REFUND_NEEDED' }) as Record<string, unknown>;
    delete override.amount; // a remedy that moves no money takes no amount
    await expectOk(await api.call('override', { as, caseId, ifMatch: version, body: override }), 'override');
    await expectOk(
      await api.call('approve', { as, caseId, ifMatch: version, body: maximalValue(inputSchema(ApproveBodySchema), 'approve') }),
      'approve',
    );

    // The largest update: the marketplace's whole snapshot again, replaced, not added.
    const updated = await deliver(largestPayload('return.updated', occurredAt(30)));
    expect(updated.status, JSON.stringify(updated.body)).toBe(202);
    version += 1;
    await measure();

    const full = await api.store.getCase(caseId);
    expect(full?.return.evidence).toHaveLength(ret.evidence.length);
    expect(full?.staffEvidence).toHaveLength(MAX_STAFF_EVIDENCE);
    expect(ret.evidence.length + MAX_STAFF_EVIDENCE).toBe(MAX_CASE_EVIDENCE);
    expect(full?.version).toBe(version);

    // Assess: one more piece of evidence is refused, naming the field and the limit, and writes nothing.
    const before = await api.itemCount();
    const oneMore = await api.call('evidence', {
      as,
      caseId,
      ifMatch: version,
      body: { evidence: [{ kind: 'PACKAGING_PHOTO', finding: 'INTACT' }] },
    });
    expect(oneMore.status, JSON.stringify(oneMore.body)).toBe(400);
    expect(oneMore.body.issues).toEqual([{ field: 'evidence', problem: expect.stringContaining(`at most ${MAX_STAFF_EVIDENCE}`) }]);
    expect(await api.itemCount()).toBe(before);
    expect((await api.store.getCase(caseId))?.version).toBe(version);

    // And it is answerable: the whole case with its history, well inside Lambda's 6 MB response.
    const read = await api.call('get', { as, caseId });
    expect(read.status).toBe(200);
    expect(Buffer.byteLength(JSON.stringify(read.body), 'utf8')).toBeLessThan(6 * 1024 * 1024);

    // Every item and every index entry, at every step, measured as DynamoDB counts it.
    const measured = [...largest].map(([name, bytes]) => ({ name, bytes })).sort((a, b) => b.bytes - a.bytes);
    const names = measured.map((m) => m.name);
    for (const kind of [
      /^CASE CASE$/,
      /DECISION_MADE$/,
      /EVIDENCE_ADDED$/,
      /NOTE_ADDED$/,
      /DECISION_OVERRIDDEN$/,
      /DECISION_APPROVED$/,
      /^CASE CASE in bySellerDue$/,
      /^CASE CASE in byOpenDeadline$/,
      /^DELIVERY/,
    ]) {
      expect(names, String(kind)).toContainEqual(expect.stringMatching(kind));
    }
    for (const { name, bytes } of measured) expect(bytes, name).toBeLessThan(DYNAMODB_MAX_ITEM_BYTES);

    // The case keeps the trace of the rules that fired; which fire depends on the facts. Even if
    // every rule fired, the case would hold at most the full trace that DECISION_MADE carries.
    const caseBytes = largest.get('CASE CASE') as number;
    const fullTraceBytes = Math.max(...[...largest].filter(([name]) => name.endsWith('DECISION_MADE')).map(([, bytes]) => bytes));
    expect(caseBytes + fullTraceBytes).toBeLessThan(DYNAMODB_MAX_ITEM_BYTES);
    const of = (pattern: RegExp) => measured.find((m) => pattern.test(m.name));
    console.info(
      `largest case ${caseBytes} of ${DYNAMODB_MAX_ITEM_BYTES} bytes (${((100 * caseBytes) / DYNAMODB_MAX_ITEM_BYTES).toFixed(1)}%); ` +
        [/DECISION_MADE$/, /EVIDENCE_ADDED$/, /NOTE_ADDED$/, /DECISION_OVERRIDDEN$/, /in bySellerDue$/, /in byOpenDeadline$/, /^DELIVERY/]
          .map((p) => `${of(p)?.name} ${of(p)?.bytes}`)
          .join('; '),
    );
  }, 120_000);
});
