import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbCaseListing } from '#lib/adapters/dynamodb-case-listing.ts';
import { DynamoDbCaseStore } from '#lib/adapters/dynamodb-case-store.ts';
import { WebhookPayloadSchema } from '#lib/contract/return-payload.ts';
import { defaultPolicy } from '#lib/decision/policy.ts';
import { httpHandler } from '#lib/http/http-handler.ts';
import { recoveryReportRoute } from '#lib/http/routes/recovery-report.ts';
import { RecoveryReportResponseSchema } from '#lib/http/seller-api-schemas.ts';
import { recordClaimFiling, recordClaimOutcome } from '#lib/workflow/carrier-claim.ts';
import type { CaseRecord } from '#lib/workflow/case.ts';
import { applyMarketplaceEvent } from '#lib/workflow/lifecycle.ts';
import type { StaffActionContext } from '#lib/workflow/staff-actions.ts';
import { createTestTable, documentClient } from '#test/support/engines.ts';
import { claimsFor, principal } from '#test/support/staff-factory.ts';
import { aReturn, aWebhook, httpEvent, lambdaContext, TEST_MARKETPLACE } from '#test/support/webhook-factory.ts';

/**
 * GET /reports/recovery (#19) on DynamoDB Local: the caller's seller only, cases created in the
 * range, who bore what (the carrier's share recovered, lost or pending), open claims by deadline,
 * JSON and CSV, and refusals naming the field.
 */

const SELLER = 'seller-recovery';
let store: DynamoDbCaseStore;
let handler: ReturnType<typeof httpHandler>;

function carrierDamage(sellerId: string, claimedAt: string) {
  return aReturn({
    sellerId,
    reason: 'LOGISTICS_DAMAGED_IN_TRANSIT',
    requestedRemedy: 'FULL_REFUND',
    timeline: { orderedAt: '2026-10-01T10:00:00Z', shippedAt: '2026-10-02T10:00:00Z', deliveredAt: '2026-10-04T10:00:00Z', claimedAt },
    carrier: { code: 'sf-express', trackingNumber: 'SF-R', events: [{ type: 'EXCEPTION_DAMAGE', at: '2026-10-03T10:00:00Z' }] },
    evidence: [
      { id: 'ev-box', kind: 'PACKAGING_PHOTO', finding: 'CRUSHED', submittedBy: 'BUYER', submittedAt: claimedAt },
      { id: 'ev-item', kind: 'PRODUCT_PHOTO', finding: 'DAMAGED', submittedBy: 'BUYER', submittedAt: claimedAt },
    ],
  } as Parameters<typeof aReturn>[0]);
}

async function intake(ret: ReturnType<typeof aReturn>, now: string): Promise<CaseRecord> {
  const out = applyMarketplaceEvent(undefined, WebhookPayloadSchema.parse(aWebhook('return.requested', ret, { occurredAt: now })), {
    marketplace: TEST_MARKETPLACE,
    now,
    policy: defaultPolicy,
  });
  if (out.kind !== 'CHANGE') throw new Error(out.reason);
  await store.commit({ next: out.next, expectedVersion: 0, events: out.events });
  return out.next;
}

async function staff(c: CaseRecord, change: (c: CaseRecord, ctx: StaffActionContext) => { next: CaseRecord; events: any[] }) {
  const ctx: StaffActionContext = {
    now: '2026-10-20T10:00:00.000Z',
    actor: { kind: 'STAFF', id: 'sup-1', role: 'supervisor' },
    role: 'supervisor',
    policy: defaultPolicy,
  };
  const out = change(c, ctx);
  await store.commit({ next: out.next, expectedVersion: c.version, events: out.events });
  return out.next;
}

async function get(query: Record<string, string>, as = principal(SELLER, 'agent')) {
  const event = httpEvent({ method: 'GET', path: '/reports/recovery', queryStringParameters: query });
  Object.assign(event.requestContext, {
    authorizer: { principalId: '', integrationLatency: 0, jwt: { claims: claimsFor(as), scopes: [] } },
  });
  const res = (await handler(event, lambdaContext('recovery-report'))) as {
    statusCode: number;
    headers: Record<string, string>;
    body: string;
  };
  return res;
}

beforeAll(async () => {
  const table = await createTestTable();
  store = new DynamoDbCaseStore(documentClient(), table);
  handler = httpHandler(recoveryReportRoute({ listing: new DynamoDbCaseListing(documentClient(), table), store }));
  // In range: a claim paid short, a claim denied, a claim still to file, a seller defect (no claim).
  const paid = await intake(carrierDamage(SELLER, '2026-10-10T10:00:00Z'), '2026-10-10T10:00:00.000Z');
  const filed = await staff(paid, (c, ctx) => recordClaimFiling(c, ctx, { claimReference: 'SF-1' }));
  await staff(filed, (c, ctx) => recordClaimOutcome(c, ctx, { outcome: 'PAID', recoveredAmount: 30_000 }));
  const denied = await intake(carrierDamage(SELLER, '2026-10-11T10:00:00Z'), '2026-10-11T10:00:00.000Z');
  const filed2 = await staff(denied, (c, ctx) => recordClaimFiling(c, ctx, { claimReference: 'SF-2' }));
  await staff(filed2, (c, ctx) => recordClaimOutcome(c, ctx, { outcome: 'DENIED' }));
  await intake(carrierDamage(SELLER, '2026-10-12T10:00:00Z'), '2026-10-12T10:00:00.000Z');
  await intake(aReturn({ sellerId: SELLER }), '2026-10-13T10:00:00.000Z');
  // Out of range, and another seller's in range.
  await intake(carrierDamage(SELLER, '2026-11-20T10:00:00Z'), '2026-11-20T10:00:00.000Z');
  await intake(carrierDamage('seller-other', '2026-10-10T10:00:00Z'), '2026-10-10T10:00:00.000Z');
});

describe('GET /reports/recovery', () => {
  it('reports the caller’s cases in the range: who bore what, recovered and lost, open claims by deadline', async () => {
    const res = await get({ from: '2026-10-01T00:00:00Z', to: '2026-11-01T00:00:00Z' });
    expect(res.statusCode, res.body).toBe(200);
    const report = RecoveryReportResponseSchema.parse(JSON.parse(res.body));
    expect(report.complete).toBe(true);
    expect(report.rows).toHaveLength(4);
    expect(report.rows.every((r) => r.createdAt >= '2026-10-01')).toBe(true);
    const [paid, denied, open, defect] = report.rows;
    expect(paid).toMatchObject({ carrierRecovered: 30_000, claim: { state: 'PAID' } });
    expect(paid?.carrierLost).toBe((paid?.claim?.amount ?? 0) - 30_000);
    expect(denied).toMatchObject({ carrierRecovered: 0, carrierLost: denied?.claim?.amount, bornByCarrier: 0, claim: { state: 'DENIED' } });
    expect(denied?.bornBySeller).toBeGreaterThan(0);
    expect(open).toMatchObject({ carrierPending: open?.claim?.amount, claim: { state: 'TO_FILE' } });
    expect(defect?.claim).toBeUndefined();
    expect(defect?.bornByCarrier).toBe(0);
    expect(report.openClaims.map((c) => c.caseId)).toEqual([open?.caseId]);
    expect(report.totals.CNY?.cases).toBe(4);
    expect(report.totals.CNY?.carrierRecovered).toBe(30_000);
  });

  it('answers CSV, one line per case', async () => {
    const res = await get({ from: '2026-10-01T00:00:00Z', to: '2026-11-01T00:00:00Z', format: 'csv' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    const lines = res.body.trim().split('\r\n');
    expect(lines[0]).toBe(
      'caseId,createdAt,status,currency,madeWhole,bornBySeller,bornByPlatform,bornByBuyer,bornByCarrier,carrierRecovered,carrierLost,carrierPending,claimState,claimFileBy,claimShareSinceFiling',
    );
    expect(lines).toHaveLength(5);
    expect(lines[1]).toContain(',PAID,');
  });

  it('refuses a bad range or format naming the field, and an unauthenticated caller', async () => {
    const backwards = await get({ from: '2026-11-01T00:00:00Z', to: '2026-10-01T00:00:00Z' });
    expect(backwards.statusCode).toBe(400);
    expect(backwards.body).toContain('"to"');
    const missing = await get({ to: '2026-10-01T00:00:00Z' });
    expect(missing.statusCode).toBe(400);
    expect(missing.body).toContain('"from"');
    const tooLong = await get({ from: '2025-01-01T00:00:00Z', to: '2026-10-01T00:00:00Z' });
    expect(tooLong.statusCode).toBe(400);
    expect((await get({ from: '2026-10-01T00:00:00Z', to: '2026-11-01T00:00:00Z', format: 'xml' })).body).toContain('"format"');
    const event = httpEvent({
      method: 'GET',
      path: '/reports/recovery',
      queryStringParameters: { from: '2026-10-01T00:00:00Z', to: '2026-11-01T00:00:00Z' },
    });
    const anonymous = (await handler(event, lambdaContext('recovery-report'))) as { statusCode: number };
    expect([401, 403]).toContain(anonymous.statusCode);
  });
});
