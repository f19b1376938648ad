import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { DynamoDbCaseStore } from '#lib/adapters/dynamodb-case-store.ts';
import { DynamoDbDueCases } from '#lib/adapters/dynamodb-due-cases.ts';
import { caseKey } from '#lib/adapters/dynamodb/table-schema.ts';
import { SqsRefundQueue } from '#lib/adapters/sqs-refund-queue.ts';
import { StaticPolicyProvider } from '#lib/adapters/static-policy-provider.ts';
import { WebhookPayloadSchema } from '#lib/contract/return-payload.ts';
import { defaultPolicy } from '#lib/decision/policy.ts';
import { fixedClock } from '#lib/ports/clock.ts';
import type { CaseStore } from '#lib/ports/case-store.ts';
import { escalateStaleCases } from '#lib/use-cases/escalate-stale-cases.ts';
import { carrierShare, claimDeadlineStep } from '#lib/workflow/carrier-claim.ts';
import type { CaseRecord } from '#lib/workflow/case.ts';
import { applyMarketplaceEvent } from '#lib/workflow/lifecycle.ts';
import { subjectOf } from '#lib/workflow/notifications.ts';
import { countingDocumentClient } from '#test/support/counting-client.ts';
import { createTestQueues, createTestTable, documentClient, sqsClient } from '#test/support/engines.ts';
import { FaultyCaseStore } from '#test/support/faults.ts';
import { createSellerApi } from '#test/support/seller-api-harness.ts';
import { principal } from '#test/support/staff-factory.ts';
import { aReturn, aWebhook, TEST_MARKETPLACE } from '#test/support/webhook-factory.ts';

/**
 * Carrier claims (#19) on DynamoDB Local: opened when a decision puts cost on the carrier,
 * warned before and expired after the filing deadline by the escalation sweep on the injected
 * clock (riding the same sparse due index), filed and settled by staff through the seller API.
 */

const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();

/** A parcel damaged in transit (crushed box, exception scan): the carrier bears the cost. */
function transitDamage(shippedAtMs: number, sellerId = 'seller-1') {
  const shippedAt = iso(shippedAtMs);
  return aReturn({
    sellerId,
    reason: 'LOGISTICS_DAMAGED_IN_TRANSIT',
    requestedRemedy: 'FULL_REFUND',
    timeline: {
      orderedAt: iso(shippedAtMs - DAY),
      shippedAt,
      deliveredAt: iso(shippedAtMs + 2 * DAY),
      claimedAt: iso(shippedAtMs + 4 * DAY),
    },
    carrier: {
      code: 'sf-express',
      trackingNumber: 'SF-CLAIM-1',
      weightAtPickupGrams: 2_000,
      weightAtDeliveryGrams: 2_000,
      events: [
        { type: 'PICKED_UP', at: shippedAt, weightGrams: 2_000 },
        { type: 'EXCEPTION_DAMAGE', at: iso(shippedAtMs + DAY) },
        { type: 'DELIVERED', at: iso(shippedAtMs + 2 * DAY) },
      ],
    },
    evidence: [
      { id: 'ev-box', kind: 'PACKAGING_PHOTO', finding: 'CRUSHED', submittedBy: 'BUYER', submittedAt: iso(shippedAtMs + 4 * DAY) },
      { id: 'ev-item', kind: 'PRODUCT_PHOTO', finding: 'DAMAGED', submittedBy: 'BUYER', submittedAt: iso(shippedAtMs + 4 * DAY) },
    ],
  } as Parameters<typeof aReturn>[0]);
}

/** Intake through the real lifecycle and CaseStore.commit. */
async function intake(store: CaseStore, ret: ReturnType<typeof aReturn>, now: string): Promise<CaseRecord> {
  const payload = WebhookPayloadSchema.parse(aWebhook('return.requested', ret, { occurredAt: now }));
  const outcome = applyMarketplaceEvent(undefined, payload, { marketplace: TEST_MARKETPLACE, now, policy: defaultPolicy });
  if (outcome.kind !== 'CHANGE') throw new Error(`intake ignored: ${outcome.reason}`);
  await store.commit({ next: outcome.next, expectedVersion: 0, events: outcome.events });
  return outcome.next;
}

async function world() {
  const table = await createTestTable();
  const queues = await createTestQueues();
  return { table, store: new DynamoDbCaseStore(documentClient(), table), queueUrl: queues.refundQueueUrl };
}

function sweep(
  w: { table: string; queueUrl: string },
  now: string,
  options: { client?: ReturnType<typeof documentClient>; store?: CaseStore } = {},
) {
  const client = options.client ?? documentClient();
  return escalateStaleCases(
    {
      store: options.store ?? new DynamoDbCaseStore(client, w.table),
      dueCases: new DynamoDbDueCases(client, w.table),
      refunds: new SqsRefundQueue(sqsClient(), w.queueUrl),
      clock: fixedClock(new Date(now)),
      policies: new StaticPolicyProvider(),
    },
    { limit: 100 },
  );
}

const SHIPPED = Date.parse('2026-11-02T10:00:00.000Z');
const FILE_BY = iso(SHIPPED + defaultPolicy.carrierClaims.defaultFileWithinDays * DAY);
const WARN_AT = iso(SHIPPED + (defaultPolicy.carrierClaims.defaultFileWithinDays - defaultPolicy.carrierClaims.warnDaysBefore) * DAY);

describe('a carrier claim is opened with the decision that puts cost on the carrier', () => {
  it('carries the carrier, tracking, the carrier’s share, the evidence packet and the deadline from policy', async () => {
    const w = await world();
    const c = await intake(w.store, transitDamage(SHIPPED), '2026-11-06T10:00:00.000Z');
    const stored = (await w.store.getCase(c.caseId)) as CaseRecord;
    expect(stored.decision?.costBearer).toBe('CARRIER');
    expect(stored.carrierClaim).toMatchObject({
      state: 'TO_FILE',
      carrier: 'sf-express',
      trackingNumber: 'SF-CLAIM-1',
      leg: 'OUTBOUND',
      amount: carrierShare(stored.ledger),
      currency: 'CNY',
      fileBy: FILE_BY,
      warnAt: WARN_AT,
      policyVersion: defaultPolicy.version,
      evidence: {
        weights: { atPickupGrams: 2_000, atDeliveryGrams: 2_000 },
        photos: [
          { evidenceId: 'ev-box', kind: 'PACKAGING_PHOTO', finding: 'CRUSHED' },
          { evidenceId: 'ev-item', kind: 'PRODUCT_PHOTO', finding: 'DAMAGED' },
        ],
      },
    });
    expect(stored.carrierClaim?.amount).toBeGreaterThan(0);
    expect(stored.carrierClaim?.evidence.scans.map((s) => s.type)).toEqual(['PICKED_UP', 'EXCEPTION_DAMAGE', 'DELIVERED']);
    const opened = (await w.store.getHistory(c.caseId)).filter((e) => e.action === 'CARRIER_CLAIM_OPENED');
    expect(opened).toHaveLength(1);
    expect(opened[0]?.details).toMatchObject({ claimId: stored.carrierClaim?.claimId, fileBy: FILE_BY });
  });

  it('a seller defect opens no claim', async () => {
    const w = await world();
    const c = await intake(w.store, aReturn(), '2026-11-06T10:00:00.000Z');
    const stored = (await w.store.getCase(c.caseId)) as CaseRecord;
    expect(stored.decision?.costBearer).not.toBe('CARRIER');
    expect(stored.carrierClaim).toBeUndefined();
  });
});

describe('the sweep watches the filing deadline on the due index', () => {
  it('the case stays listed for its claim after its own deadline ends; warns once, then expires once and moves the cost to the seller', async () => {
    const w = await world();
    const c = await intake(w.store, transitDamage(SHIPPED), '2026-11-06T10:00:00.000Z');
    expect(c.status).toBe('AWAITING_RETURN');
    const shipBy = iso(Date.parse('2026-11-06T10:00:00.000Z') + defaultPolicy.returnLeg.shipWithinDays * DAY);

    // The return window comes first, by the planner from the index entry (patches, no case read).
    expect(await sweep(w, iso(Date.parse(shipBy) - DAY))).toMatchObject({ found: 1, returnReminders: 1, claimWarnings: 0 });
    expect(await sweep(w, shipBy)).toMatchObject({ found: 1, closedNotReturned: 1, claimWarnings: 0 });
    const closed = (await w.store.getCase(c.caseId)) as CaseRecord;
    expect(closed).toMatchObject({ status: 'CLOSED', carrierClaim: { state: 'TO_FILE' } });
    expect(closed.dueAt).toBeUndefined();
    // Still in the due index, now at the claim's warning time.
    const item = await documentClient().send(new GetCommand({ TableName: w.table, Key: caseKey(c.caseId) }));
    expect(item.Item?.deadlineAt).toBe(WARN_AT);

    expect(await sweep(w, iso(Date.parse(WARN_AT) - 1))).toMatchObject({ found: 0 });

    const counting = countingDocumentClient(documentClient());
    expect(await sweep(w, WARN_AT, { client: counting.client })).toMatchObject({ found: 1, claimWarnings: 1, claimsExpired: 0, failed: 0 });
    // One index entry and nothing else: the case is settled, so the entry says all the step needs.
    expect(counting.counts.indexItems).toBe(1);
    expect(counting.counts.tableItems).toBe(0);
    expect(await sweep(w, WARN_AT)).toMatchObject({ found: 0 });
    const warned = (await w.store.getCase(c.caseId)) as CaseRecord;
    expect(warned.carrierClaim).toMatchObject({ state: 'TO_FILE', warnedAt: WARN_AT });

    const expiring = countingDocumentClient(documentClient());
    expect(await sweep(w, FILE_BY, { client: expiring.client })).toMatchObject({ found: 1, claimsExpired: 1 });
    expect([expiring.counts.indexItems, expiring.counts.tableItems]).toEqual([1, 0]);
    expect(await sweep(w, iso(Date.parse(FILE_BY) + DAY))).toMatchObject({ found: 0 });
    const expired = (await w.store.getCase(c.caseId)) as CaseRecord;
    expect(expired.carrierClaim).toMatchObject({ state: 'EXPIRED', expiredAt: FILE_BY });
    expect(expired.ledger?.some((l) => l.bornBy === 'CARRIER')).toBe(false);
    expect(expired.ledger?.find((l) => l.kind === 'CARRIER_CLAIM')).toMatchObject({ bornBy: 'SELLER', paidBy: 'NONE' });
    const history = await w.store.getHistory(c.caseId);
    expect(history.filter((e) => e.action === 'CARRIER_CLAIM_DEADLINE_WARNING')).toHaveLength(1);
    expect(history.filter((e) => e.action === 'CARRIER_CLAIM_EXPIRED')).toHaveLength(1);
    expect(history.find((e) => e.action === 'CARRIER_CLAIM_EXPIRED')?.details).toMatchObject({ costMovedTo: 'SELLER', fileBy: FILE_BY });
    const after = await documentClient().send(new GetCommand({ TableName: w.table, Key: caseKey(c.caseId) }));
    expect(after.Item?.deadlineAt).toBeUndefined();
    expect(after.Item?.escalationFacts).toBeUndefined();
  });

  it('a crash before the expiry commit leaves the claim due; a crash after it never expires it twice', async () => {
    const w = await world();
    const a = await intake(w.store, transitDamage(SHIPPED, 'seller-crash-before'), '2026-11-06T10:00:00.000Z');
    const b = await intake(w.store, transitDamage(SHIPPED, 'seller-crash-after'), '2026-11-06T10:00:00.000Z');
    const late = iso(Date.parse(FILE_BY) + 1_000);

    const crashing = new FaultyCaseStore(w.store)
      .crashOnCommit((change) => change.next.caseId === a.caseId, 'BEFORE')
      .crashOnCommit((change) => change.next.caseId === b.caseId, 'AFTER');
    // Both are also due for their return window (long passed): the claim step comes first.
    expect(await sweep(w, late, { store: crashing })).toMatchObject({ found: 2, claimsExpired: 0, failed: 2 });
    expect((await w.store.getCase(a.caseId))?.carrierClaim?.state).toBe('TO_FILE');
    expect((await w.store.getCase(b.caseId))?.carrierClaim?.state).toBe('EXPIRED');

    // The next runs: a expires now; b is not listed for its claim again.
    const next = await sweep(w, late);
    expect(next).toMatchObject({ claimsExpired: 1, failed: 0 });
    for (let i = 0; i < 3; i++) await sweep(w, late);
    for (const id of [a.caseId, b.caseId]) {
      const history = await w.store.getHistory(id);
      expect(history.filter((e) => e.action === 'CARRIER_CLAIM_EXPIRED')).toHaveLength(1);
      expect((await w.store.getCase(id))?.ledger?.some((l) => l.bornBy === 'CARRIER')).toBe(false);
    }
  });
});

describe('a claim on a settled case is stepped from its index entry alone (#19)', () => {
  /** Cases closed as not returned, their claim still to file (as in the test above). */
  async function settledWithClaims(w: Awaited<ReturnType<typeof world>>, sellers: readonly string[]): Promise<CaseRecord[]> {
    const cases: CaseRecord[] = [];
    for (const seller of sellers) cases.push(await intake(w.store, transitDamage(SHIPPED, seller), '2026-11-06T10:00:00.000Z'));
    const shipBy = iso(Date.parse('2026-11-06T10:00:00.000Z') + defaultPolicy.returnLeg.shipWithinDays * DAY);
    await sweep(w, iso(Date.parse(shipBy) - DAY));
    await sweep(w, shipBy);
    for (const c of cases) expect(await w.store.getCase(c.caseId)).toMatchObject({ status: 'CLOSED', carrierClaim: { state: 'TO_FILE' } });
    return cases;
  }

  it('a crash before the claim step leaves it due; a crash after it never steps it twice', async () => {
    const w = await world();
    const [a, b] = (await settledWithClaims(w, ['seller-settled-before', 'seller-settled-after'])) as [CaseRecord, CaseRecord];
    const late = iso(Date.parse(FILE_BY) + 1_000);
    const crashing = new FaultyCaseStore(w.store)
      .crashOnClaimStep((change) => change.before.caseId === a.caseId, 'BEFORE')
      .crashOnClaimStep((change) => change.before.caseId === b.caseId, 'AFTER');
    expect(await sweep(w, late, { store: crashing })).toMatchObject({ found: 2, claimsExpired: 0, failed: 2 });
    expect((await w.store.getCase(a.caseId))?.carrierClaim?.state).toBe('TO_FILE');
    expect((await w.store.getCase(b.caseId))?.carrierClaim?.state).toBe('EXPIRED');
    expect(await sweep(w, late)).toMatchObject({ found: 1, claimsExpired: 1, failed: 0 });
    expect(await sweep(w, late)).toMatchObject({ found: 0 });
    for (const id of [a.caseId, b.caseId]) {
      expect((await w.store.getHistory(id)).filter((e) => e.action === 'CARRIER_CLAIM_EXPIRED')).toHaveLength(1);
      const after = (await w.store.getCase(id)) as CaseRecord;
      expect(after.ledger?.some((l) => l.bornBy === 'CARRIER')).toBe(false);
      expect(after.version).toBe((await w.store.getHistory(id)).at(-1)?.version);
    }
  });

  it('two sweeps at once step the claim once: the loser finds the version moved', async () => {
    const w = await world();
    const [c] = (await settledWithClaims(w, ['seller-settled-race'])) as [CaseRecord];
    const [first, second] = await Promise.all([sweep(w, WARN_AT), sweep(w, WARN_AT)]);
    expect(first.claimWarnings + second.claimWarnings).toBe(1);
    expect(first.failed + second.failed).toBe(0);
    expect((await w.store.getHistory(c.caseId)).filter((e) => e.action === 'CARRIER_CLAIM_DEADLINE_WARNING')).toHaveLength(1);
  });

  it('a patch by a writer that read the case (reconciliation flags a mismatch) keeps its claim listed', async () => {
    const w = await world();
    const [c] = (await settledWithClaims(w, ['seller-settled-reconciled'])) as [CaseRecord];
    const current = (await w.store.getCase(c.caseId)) as CaseRecord;
    await w.store.patch({
      before: current,
      subject: subjectOf(current),
      set: { version: current.version + 1, updatedAt: '2026-12-01T00:00:00.000Z' },
      remove: [],
      events: [
        {
          caseId: c.caseId,
          version: current.version + 1,
          seq: 0,
          at: '2026-12-01T00:00:00.000Z',
          actor: { kind: 'SYSTEM', id: 'reconcile-refunds' },
          action: 'RECONCILIATION_MISMATCH',
          fromStatus: current.status,
          toStatus: current.status,
          details: { kind: 'PAID_TWICE' },
        },
      ],
    });
    const item = await documentClient().send(new GetCommand({ TableName: w.table, Key: caseKey(c.caseId) }));
    expect(item.Item?.deadlineAt).toBe(WARN_AT);
    expect(await sweep(w, WARN_AT)).toMatchObject({ found: 1, claimWarnings: 1 });
  });

  it('writes what the whole-case step writes: the same claim, ledger and history as stepping the case read whole', async () => {
    const w = await world();
    const [c] = (await settledWithClaims(w, ['seller-settled-same'])) as [CaseRecord];
    const before = (await w.store.getCase(c.caseId)) as CaseRecord;
    const byWholeCase = claimDeadlineStep(before, { now: FILE_BY, expectedVersion: before.version });
    await sweep(w, FILE_BY);
    const after = (await w.store.getCase(c.caseId)) as CaseRecord;
    expect(after).toEqual(byWholeCase?.next);
    const [event] = (await w.store.getHistory(c.caseId)).slice(-1);
    expect(event).toEqual(byWholeCase?.events[0]);
  });
});

describe('staff file and settle the claim through the seller API', () => {
  it('filing then payment: If-Match, roles, history; refused where the claim cannot take it', async () => {
    const api = await createSellerApi();
    const seller = 'seller-claims-api';
    const now = Date.now();
    const c = await intake(api.store, transitDamage(now - 10 * DAY, seller), iso(now - 5 * DAY));
    const agent = principal(seller, 'agent');
    const supervisor = principal(seller, 'supervisor');

    // Nothing filed yet: no outcome to record.
    expect((await api.call('claimOutcome', { as: supervisor, caseId: c.caseId, ifMatch: 1, body: { outcome: 'DENIED' } })).status).toBe(
      409,
    );
    const invalid = await api.call('claimFiling', { as: agent, caseId: c.caseId, ifMatch: 1, body: {} });
    expect(invalid.status).toBe(400);
    expect(JSON.stringify(invalid.body)).toContain('claimReference');
    expect((await api.call('claimFiling', { as: agent, caseId: c.caseId, body: { claimReference: 'SF-CLM-9' } })).status).toBe(428);

    const filed = await api.call('claimFiling', { as: agent, caseId: c.caseId, ifMatch: 1, body: { claimReference: 'SF-CLM-9' } });
    expect(filed.status, JSON.stringify(filed.body)).toBe(200);
    expect(filed.body.case.carrierClaim).toMatchObject({ state: 'FILED', claimReference: 'SF-CLM-9', filedBy: agent.userId });
    expect(filed.body.events.map((e: { action: string }) => e.action)).toEqual(['CARRIER_CLAIM_FILED']);
    expect(filed.body.events[0].actor).toMatchObject({ kind: 'STAFF', role: 'agent' });
    // Filed once: again is 409; a stale If-Match is 412.
    expect((await api.call('claimFiling', { as: agent, caseId: c.caseId, ifMatch: 2, body: { claimReference: 'X' } })).status).toBe(409);
    expect((await api.call('claimOutcome', { as: supervisor, caseId: c.caseId, ifMatch: 1, body: { outcome: 'PAID' } })).status).toBe(412);

    // An agent may not settle it; more than claimed is refused naming the field.
    expect((await api.call('claimOutcome', { as: agent, caseId: c.caseId, ifMatch: 2, body: { outcome: 'PAID' } })).status).toBe(403);
    const amount = filed.body.case.carrierClaim.amount as number;
    const tooMuch = await api.call('claimOutcome', {
      as: supervisor,
      caseId: c.caseId,
      ifMatch: 2,
      body: { outcome: 'PAID', recoveredAmount: amount + 1 },
    });
    expect(tooMuch.status).toBe(400);
    expect(JSON.stringify(tooMuch.body)).toContain('recoveredAmount');

    const paid = await api.call('claimOutcome', {
      as: supervisor,
      caseId: c.caseId,
      ifMatch: 2,
      body: { outcome: 'PAID', recoveredAmount: amount },
    });
    expect(paid.status, JSON.stringify(paid.body)).toBe(200);
    expect(paid.body.case.carrierClaim).toMatchObject({ state: 'PAID', recoveredAmount: amount });
    expect(paid.body.case.ledger.some((l: { bornBy: string }) => l.bornBy === 'CARRIER')).toBe(true);
    expect((await api.call('claimOutcome', { as: supervisor, caseId: c.caseId, ifMatch: 3, body: { outcome: 'DENIED' } })).status).toBe(
      409,
    );
  });

  it('a denial moves the carrier’s share to the seller; a filing after the deadline is refused and writes nothing', async () => {
    const api = await createSellerApi();
    const seller = 'seller-claims-deny';
    const now = Date.now();
    const c = await intake(api.store, transitDamage(now - 10 * DAY, seller), iso(now - 5 * DAY));
    const supervisor = principal(seller, 'supervisor');
    await api.call('claimFiling', { as: supervisor, caseId: c.caseId, ifMatch: 1, body: { claimReference: 'SF-CLM-10' } });
    const denied = await api.call('claimOutcome', {
      as: supervisor,
      caseId: c.caseId,
      ifMatch: 2,
      body: { outcome: 'DENIED', reason: 'packaging not to carrier standard' },
    });
    expect(denied.status, JSON.stringify(denied.body)).toBe(200);
    expect(denied.body.case.carrierClaim).toMatchObject({ state: 'DENIED' });
    expect(denied.body.case.ledger.some((l: { bornBy: string }) => l.bornBy === 'CARRIER')).toBe(false);
    expect(denied.body.events[0]).toMatchObject({ action: 'CARRIER_CLAIM_DENIED', details: { costMovedTo: 'SELLER' } });

    // Shipped 70 days ago: the 60-day window has closed.
    const old = await intake(api.store, transitDamage(now - 70 * DAY, seller), iso(now - 65 * DAY));
    const before = await api.partitionCount(old.caseId);
    const late = await api.call('claimFiling', { as: supervisor, caseId: old.caseId, ifMatch: 1, body: { claimReference: 'SF-LATE' } });
    expect(late.status).toBe(409);
    expect(await api.partitionCount(old.caseId)).toBe(before);
    expect((await api.store.getCase(old.caseId))?.carrierClaim?.state).toBe('TO_FILE');
  });
});
