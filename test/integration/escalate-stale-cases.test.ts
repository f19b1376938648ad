import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { type DynamoDBDocumentClient, GetCommand, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbCaseStore } from '#lib/adapters/dynamodb-case-store.ts';
import { caseKey, openDeadlineIndex } from '#lib/adapters/dynamodb/table-schema.ts';
import { DynamoDbDueCases } from '#lib/adapters/dynamodb-due-cases.ts';
import { SqsRefundQueue } from '#lib/adapters/sqs-refund-queue.ts';
import { StaticPolicyProvider } from '#lib/adapters/static-policy-provider.ts';
import { StaticWebhookSecrets } from '#lib/adapters/static-webhook-secrets.ts';
import { defaultPolicy } from '#lib/decision/policy.ts';
import { type CaseRecord, type EscalationLevel, type HistoryEvent, isAwaitingStaff } from '#lib/workflow/case.ts';
import { dueCaseOf } from '#lib/workflow/escalation.ts';
import { subjectOf } from '#lib/workflow/notifications.ts';
import { overrideDecision } from '#lib/workflow/staff-actions.ts';
import { RefundMessageSchema } from '#lib/contract/refund-message.ts';
import { signatureHeader } from '#lib/contract/webhook-signature.ts';
import { type Clock, fixedClock } from '#lib/ports/clock.ts';
import type { CaseStore } from '#lib/ports/case-store.ts';
import type { DueCases } from '#lib/ports/due-cases.ts';
import type { RefundQueue } from '#lib/ports/refund-queue.ts';
import { escalateStaleCases, type EscalateStaleCasesResult } from '#lib/use-cases/escalate-stale-cases.ts';
import { receiveWebhook } from '#lib/use-cases/receive-webhook.ts';
import { relayRefundOutbox } from '#lib/use-cases/relay-refund-outbox.ts';
import { type CaseSpec, seedCases } from '#test/support/case-factory.ts';
import { countingDocumentClient, type ReadCounts } from '#test/support/counting-client.ts';
import { createTestQueues, createTestTable, documentClient, sqsClient } from '#test/support/engines.ts';
import { FaultyCaseStore, FaultyRefundQueue, type InspectableCaseStore } from '#test/support/faults.ts';
import { aReturn, aReturnShipment, aWebhook, TEST_MARKETPLACE, TEST_SECRET } from '#test/support/webhook-factory.ts';
import { WebhookPayloadSchema } from '#lib/contract/return-payload.ts';
import { applyMarketplaceEvent } from '#lib/workflow/lifecycle.ts';
import { canonicalOnly } from '#lib/marketplaces/index.ts';

/**
 * escalate-stale-cases on DynamoDB Local and fauxqs through the real SDK clients: cases are
 * written by the real intake logic and CaseStore.commit, found through the sparse
 * byOpenDeadline index, escalated with conditional patches; default-resolution refunds go
 * through the outbox to the refund queue. Time only moves through a fixed clock.
 */

const HOUR = 3_600_000;
const MIN = 60_000;
const NOW = '2026-11-10T12:00:00.000Z';
const at = (offsetMs: number) => new Date(Date.parse(NOW) + offsetMs).toISOString();

const nextLevel: Record<EscalationLevel, EscalationLevel | 'DEFAULT'> = { AGENT: 'SUPERVISOR', SUPERVISOR: 'MANAGER', MANAGER: 'DEFAULT' };

type World = { table: string; store: DynamoDbCaseStore; dueCases: DynamoDbDueCases; refunds: SqsRefundQueue; queueUrl: string };

async function world(): Promise<World> {
  const table = await createTestTable();
  const queues = await createTestQueues();
  return {
    table,
    store: new DynamoDbCaseStore(documentClient(), table),
    dueCases: new DynamoDbDueCases(documentClient(), table),
    refunds: new SqsRefundQueue(sqsClient(), queues.refundQueueUrl),
    queueUrl: queues.refundQueueUrl,
  };
}

function run(
  w: { store: CaseStore; dueCases: DueCases; refunds: RefundQueue },
  clock: Clock,
  options: Partial<Parameters<typeof escalateStaleCases>[1]> = {},
): Promise<EscalateStaleCasesResult> {
  return escalateStaleCases(
    { store: w.store, dueCases: w.dueCases, refunds: w.refunds, clock, policies: new StaticPolicyProvider() },
    { limit: 5_000, ...options },
  );
}

/** Reads many cases (and optionally their history) a batch at a time. */
async function readAll(
  store: InspectableCaseStore,
  ids: readonly string[],
): Promise<Map<string, { c: CaseRecord; history: HistoryEvent[] }>> {
  const out = new Map<string, { c: CaseRecord; history: HistoryEvent[] }>();
  for (let i = 0; i < ids.length; i += 50) {
    await Promise.all(
      ids.slice(i, i + 50).map(async (id) => {
        const [c, history] = await Promise.all([store.getCase(id), store.getHistory(id)]);
        if (c === undefined) throw new Error(`case ${id} vanished`);
        out.set(id, { c, history });
      }),
    );
  }
  return out;
}

/** Store and index reader over another document client (the counting one). */
const counted = (client: DynamoDBDocumentClient, table: string) => ({
  store: new DynamoDbCaseStore(client, table),
  dueCases: new DynamoDbDueCases(client, table),
});

async function dueIndexEntries(table: string): Promise<Record<string, unknown>[]> {
  const out = await documentClient().send(new ScanCommand({ TableName: table, IndexName: openDeadlineIndex.indexName }));
  return out.Items ?? [];
}

const isDue = (c: CaseRecord, now: string) => isAwaitingStaff(c.status) && c.dueAt !== undefined && c.dueAt <= now;
const escalationEvents = (history: readonly HistoryEvent[]) =>
  history.filter((e) => e.action === 'ESCALATED' || e.action === 'DEFAULT_RESOLUTION');

async function drainQueue(queueUrl: string): Promise<string[]> {
  const bodies: string[] = [];
  for (;;) {
    const out = await sqsClient().send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, VisibilityTimeout: 60 }),
    );
    if ((out.Messages ?? []).length === 0) return bodies;
    bodies.push(...(out.Messages ?? []).map((m) => m.Body ?? ''));
  }
}

describe('escalate-stale-cases', () => {
  describe('1,000 cases with mixed deadlines, priorities, levels and states', () => {
    let w: World;
    let seeded: CaseRecord[];
    let result: EscalateStaleCasesResult;
    let reads: ReadCounts;

    beforeAll(async () => {
      w = await world();
      const shapes = ['AWAITING_APPROVAL', 'NEEDS_REVIEW', 'REFUND_PENDING'] as const;
      const specs: CaseSpec[] = Array.from({ length: 1_000 }, (_, i) => {
        const shape = shapes[i % 3] as CaseSpec['shape'];
        const urgent = i % 4 === 0;
        // Claims spread from 30 hours before NOW to 3 hours after it, in 2-minute steps.
        const claimedAt = at(-30 * HOUR + ((i * 397) % 1_000) * 2 * MIN);
        // Some cases sit higher up the ladder already, with a deadline on either side of NOW.
        const level: EscalationLevel | undefined = i % 7 === 0 ? 'SUPERVISOR' : i % 11 === 0 ? 'MANAGER' : undefined;
        const dueAt = level === undefined ? undefined : at(((i % 5) - 2) * HOUR + 1);
        // A released refund drops its deadline; give some a stale one, which the sweep must ignore.
        const stale = shape === 'REFUND_PENDING' && level === undefined ? { dueAt: at(-2 * HOUR) } : {};
        return { shape, urgent, claimedAt, ...(level === undefined ? stale : { level, dueAt }) };
      });
      seeded = await seedCases(w.store, specs, { batch: 50 });
      const counting = countingDocumentClient(documentClient());
      result = await run({ ...counted(counting.client, w.table), refunds: w.refunds }, fixedClock(NOW));
      reads = { ...counting.counts };
    }, 240_000);

    it('the mix covers every kind of case on both sides of the deadline', () => {
      const kinds = (pred: (c: CaseRecord) => boolean) => seeded.filter(pred).length;
      expect(kinds((c) => c.priority === 'URGENT' && isDue(c, NOW) && c.escalationLevel === 'AGENT')).toBeGreaterThan(20);
      expect(kinds((c) => c.priority === 'URGENT' && !isDue(c, NOW) && isAwaitingStaff(c.status))).toBeGreaterThan(5);
      expect(kinds((c) => c.priority === 'NORMAL' && isDue(c, NOW) && c.escalationLevel === 'AGENT')).toBeGreaterThan(20);
      expect(kinds((c) => c.priority === 'NORMAL' && !isDue(c, NOW) && isAwaitingStaff(c.status))).toBeGreaterThan(100);
      expect(kinds((c) => isDue(c, NOW) && c.escalationLevel === 'SUPERVISOR')).toBeGreaterThan(10);
      expect(kinds((c) => isDue(c, NOW) && c.escalationLevel === 'MANAGER')).toBeGreaterThan(10);
      // Waiting for the machine, with a deadline long past: never the sweep's business.
      expect(kinds((c) => c.status === 'REFUND_PENDING' && c.dueAt !== undefined && c.dueAt <= NOW)).toBeGreaterThan(100);
      expect(new Set(seeded.map((c) => c.status))).toEqual(new Set(['DECIDED', 'NEEDS_REVIEW', 'REFUND_PENDING']));
    });

    it('moves exactly the due cases, each exactly one step, and nothing else', async () => {
      const due = seeded.filter((c) => isDue(c, NOW));
      expect(result).toMatchObject({ found: due.length, skipped: 0, failed: 0, stoppedBy: 'DRAINED' });
      expect(result.escalated + result.defaultResolutions).toBe(due.length);

      const stored = await readAll(
        w.store,
        seeded.map((c) => c.caseId),
      );
      for (const before of seeded) {
        const { c: after, history } = stored.get(before.caseId) as { c: CaseRecord; history: HistoryEvent[] };
        const steps = escalationEvents(history);
        if (!isDue(before, NOW)) {
          expect({ id: before.caseId, version: after.version, dueAt: after.dueAt, steps: steps.length }).toEqual({
            id: before.caseId,
            version: before.version,
            dueAt: before.dueAt,
            steps: 0,
          });
          continue;
        }
        expect(after.version, before.caseId).toBe(before.version + 1);
        expect(steps, before.caseId).toHaveLength(1);
        const step = steps[0] as HistoryEvent;
        expect(step).toMatchObject({
          version: before.version + 1,
          actor: { kind: 'SYSTEM', id: 'escalate-stale-cases' },
          details: { deadline: before.dueAt, fromLevel: before.escalationLevel },
        });
        const expected = nextLevel[before.escalationLevel];
        if (expected === 'DEFAULT') {
          expect(step.action).toBe('DEFAULT_RESOLUTION');
          expect(after).toMatchObject({
            status: 'REFUND_PENDING',
            escalationLevel: 'MANAGER',
            refund: { amount: before.return.money.amountPaid, status: 'PENDING' },
          });
        } else {
          expect(step.action).toBe('ESCALATED');
          expect(after).toMatchObject({ status: before.status, escalationLevel: expected });
          expect(after.dueAt && after.dueAt > NOW).toBe(true);
        }
      }
    });

    it('items read by the run ≤ 1.1 × due cases, default resolutions included: one index entry each, no case reads', () => {
      const dueCount = seeded.filter((c) => isDue(c, NOW)).length;
      expect(dueCount).toBeGreaterThan(100);
      expect(reads.indexItems + reads.tableItems).toBeGreaterThanOrEqual(dueCount);
      expect(reads.indexItems + reads.tableItems).toBeLessThanOrEqual(1.1 * dueCount);
      expect(reads.tableItems).toBe(0);
    });

    it('a second run at the same time finds nothing: every moved case left the due set', async () => {
      expect(await run(w, fixedClock(NOW))).toMatchObject({ found: 0, escalated: 0, defaultResolutions: 0 });
    });
  });

  it('two overlapping runs never escalate a case twice', async () => {
    const w = await world();
    const specs: CaseSpec[] = Array.from({ length: 200 }, (_, i) => ({
      shape: i % 2 === 0 ? 'AWAITING_APPROVAL' : 'NEEDS_REVIEW',
      urgent: i % 3 === 0,
      ...(i % 5 === 0
        ? { level: 'MANAGER' as const, dueAt: at(-HOUR) }
        : i % 5 === 1
          ? { level: 'SUPERVISOR' as const, dueAt: at(-HOUR) }
          : {}),
      claimedAt: at(-48 * HOUR - i * MIN),
    }));
    const seeded = await seedCases(w.store, specs);
    expect(seeded.every((c) => isDue(c, NOW))).toBe(true);

    const clock = fixedClock(NOW);
    const [a, b] = await Promise.all([run(w, clock, { concurrency: 8 }), run(w, clock, { concurrency: 8 })]);
    // The runs really overlapped (both found cases the other moved), and between them each
    // case was moved once; every other sighting was skipped as a lost race or a moved deadline.
    expect(a.found).toBeGreaterThan(0);
    expect(b.found).toBeGreaterThan(0);
    expect(a.found + b.found).toBeGreaterThan(200);
    expect(a.escalated + b.escalated + a.defaultResolutions + b.defaultResolutions).toBe(200);
    expect(a.skipped + b.skipped).toBe(a.found + b.found - 200);
    expect(a.failed + b.failed).toBe(0);

    const stored = await readAll(
      w.store,
      seeded.map((c) => c.caseId),
    );
    for (const before of seeded) {
      const { c, history } = stored.get(before.caseId) as { c: CaseRecord; history: HistoryEvent[] };
      expect(escalationEvents(history), before.caseId).toHaveLength(1);
      expect(history.filter((e) => e.action === 'REFUND_DUE')).toHaveLength(before.escalationLevel === 'MANAGER' ? 1 : 0);
      expect(c.version).toBe(before.version + 1);
    }
    // One refund message per default resolution, not two.
    const messages = (await drainQueue(w.queueUrl)).map((body) => RefundMessageSchema.parse(JSON.parse(body)));
    expect(messages).toHaveLength(seeded.filter((c) => c.escalationLevel === 'MANAGER').length);
    expect(new Set(messages.map((m) => m.caseId)).size).toBe(messages.length);
  }, 180_000);

  it('reads grow with the due cases, not the table: items read ≤ 1.1 × due, nothing but index entries', async () => {
    const w = await world();
    const notDue: CaseSpec[] = Array.from({ length: 450 }, (_, i) => ({
      shape: i % 2 === 0 ? 'AWAITING_APPROVAL' : 'NEEDS_REVIEW',
      claimedAt: at(-HOUR + (i % 50) * MIN),
    }));
    const due: CaseSpec[] = Array.from({ length: 50 }, (_, i) => ({
      shape: i % 2 === 0 ? 'AWAITING_APPROVAL' : 'NEEDS_REVIEW',
      claimedAt: at(-30 * HOUR - i * MIN),
      ...(i % 5 === 0 ? { level: 'MANAGER' as const, dueAt: at(-HOUR) } : {}),
    }));
    const seeded = await seedCases(w.store, [...notDue, ...due]);
    const dueCount = seeded.filter((c) => isDue(c, NOW)).length;
    expect(dueCount).toBe(50);

    const counting = countingDocumentClient(documentClient());
    const result = await run({ ...counted(counting.client, w.table), refunds: w.refunds }, fixedClock(NOW));
    expect(result).toMatchObject({ found: 50, escalated: 40, defaultResolutions: 10, refundsDue: 10, failed: 0 });
    const itemsRead = counting.counts.indexItems + counting.counts.tableItems;
    expect(itemsRead).toBeGreaterThanOrEqual(dueCount);
    expect(itemsRead).toBeLessThanOrEqual(1.1 * dueCount);
    expect(counting.counts.tableItems).toBe(0);

    // Nothing due: a run reads nothing but eight empty index pages.
    counting.reset();
    expect(await run({ ...counted(counting.client, w.table), refunds: w.refunds }, fixedClock(NOW))).toMatchObject({ found: 0 });
    expect(counting.counts).toMatchObject({ indexItems: 0, tableItems: 0, requests: 8 });
  }, 180_000);

  it('an index entry without escalation facts (an older item) is still escalated, by reading its case', async () => {
    const w = await world();
    const [c] = await seedCases(w.store, [{ shape: 'NEEDS_REVIEW', claimedAt: at(-30 * HOUR) }]);
    if (c === undefined) throw new Error('not seeded');
    await documentClient().send(
      new UpdateCommand({ TableName: w.table, Key: caseKey(c.caseId), UpdateExpression: 'REMOVE escalationFacts' }),
    );

    const counting = countingDocumentClient(documentClient());
    expect(await run({ ...counted(counting.client, w.table), refunds: w.refunds }, fixedClock(NOW))).toMatchObject({
      found: 1,
      escalated: 1,
    });
    expect(counting.counts).toMatchObject({ indexItems: 1, tableItems: 1 });
    const after = (await w.store.getCase(c.caseId)) as CaseRecord;
    expect(after).toMatchObject({ escalationLevel: 'SUPERVISOR', version: c.version + 1 });
    // The patch kept the case in the index without facts; the next write of the whole case adds them back.
    const entry = (await dueIndexEntries(w.table)).find((e) => e.pk === caseKey(c.caseId).pk);
    expect(entry).toMatchObject({ deadlineAt: after.dueAt, version: after.version, escalationLevel: 'SUPERVISOR' });
  });

  it('the index entry after a patch matches the case: next deadline and level while due, gone once resolved', async () => {
    const w = await world();
    const seeded = await seedCases(w.store, [
      { shape: 'NEEDS_REVIEW', claimedAt: at(-30 * HOUR) },
      { shape: 'AWAITING_APPROVAL', claimedAt: at(-30 * HOUR), level: 'MANAGER', dueAt: at(-HOUR) },
    ]);
    await run(w, fixedClock(NOW));
    const [escalated, resolved] = await Promise.all(seeded.map(async (c) => (await w.store.getCase(c.caseId)) as CaseRecord));
    const entries = await dueIndexEntries(w.table);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      ...caseKey(escalated?.caseId as string),
      deadlineAt: escalated?.dueAt,
      version: escalated?.version,
      escalationLevel: 'SUPERVISOR',
      status: escalated?.status,
      escalationFacts: dueCaseOf(escalated as CaseRecord)?.facts,
    });
    // The projection carries a DueCase, not the case: no decision trace, no buyer's return.
    for (const attribute of ['decision', 'return', 'ledger', 'dueAt']) expect(entries[0], attribute).not.toHaveProperty(attribute);
    expect(resolved).toMatchObject({ status: 'REFUND_PENDING' });
    const raw = await documentClient().send(new GetCommand({ TableName: w.table, Key: caseKey(resolved?.caseId as string) }));
    expect(raw.Item).toMatchObject({ gsi1sk: `9999-12-31T23:59:59.999Z#${resolved?.caseId}` });
    for (const attribute of ['dueAt', 'deadlineShard', 'deadlineAt', 'escalationFacts'])
      expect(raw.Item?.[attribute], attribute).toBeUndefined();
  });

  it('a crash right after a default resolution is written: the refund is in the outbox, paid out once, never resolved twice', async () => {
    const w = await world();
    const [c] = await seedCases(w.store, [{ shape: 'AWAITING_APPROVAL', claimedAt: at(-30 * HOUR), level: 'MANAGER', dueAt: at(-HOUR) }]);
    if (c === undefined) throw new Error('not seeded');
    const crashing = new FaultyCaseStore(w.store).crashOnPatch((p) => p.outbox !== undefined, 'AFTER');
    const clock = fixedClock(NOW);
    expect(await run({ ...w, store: crashing }, clock)).toMatchObject({ found: 1, defaultResolutions: 0, failed: 1 });
    expect(await drainQueue(w.queueUrl)).toEqual([]);

    // The write landed: later sweeps have nothing to do with the case, the relay publishes it.
    for (const later of [MIN, HOUR, 24 * HOUR]) expect(await run(w, fixedClock(at(later)))).toMatchObject({ found: 0 });
    clock.advance(24 * HOUR);
    expect(await relayRefundOutbox({ store: w.store, refunds: w.refunds, clock })).toMatchObject({ published: 1 });
    const after = (await w.store.getCase(c.caseId)) as CaseRecord;
    const messages = (await drainQueue(w.queueUrl)).map((b) => RefundMessageSchema.parse(JSON.parse(b)));
    expect(messages.map((m) => m.refundId)).toEqual([after.refund?.refundId]);
    expect((await w.store.getHistory(c.caseId)).filter((e) => e.action === 'DEFAULT_RESOLUTION')).toHaveLength(1);
  });

  it("a seller's own default resolution: return-and-refund holds the refund for the goods, then the return window closes it unpaid", async () => {
    const w = await world();
    const seeded = await seedCases(w.store, [
      {
        shape: 'AWAITING_APPROVAL',
        claimedAt: at(-30 * HOUR),
        level: 'MANAGER',
        dueAt: at(-HOUR),
        returnOverrides: { sellerId: 'seller-returns' },
      },
      { shape: 'AWAITING_APPROVAL', claimedAt: at(-30 * HOUR), level: 'MANAGER', dueAt: at(-HOUR) },
    ]);
    const [own, other] = seeded as [CaseRecord, CaseRecord];
    const policies = new StaticPolicyProvider([], defaultPolicy, [
      {
        sellerId: 'seller-returns',
        marketplace: defaultPolicy.marketplace,
        version: '2026-12-03.1',
        defaultResolutionAfterLastLevel: 'BUYER_WINS_RETURN_AND_REFUND',
      },
    ]);
    const sweep = (now: string) =>
      escalateStaleCases({ store: w.store, dueCases: w.dueCases, refunds: w.refunds, clock: fixedClock(now), policies }, { limit: 100 });

    expect(await sweep(NOW)).toMatchObject({ found: 2, defaultResolutions: 2, refundsDue: 1, failed: 0 });
    const held = (await w.store.getCase(own.caseId)) as CaseRecord;
    const paid = (await w.store.getCase(other.caseId)) as CaseRecord;
    // The other seller has the marketplace's default (a full refund at once); this one's waits for the goods.
    expect(paid).toMatchObject({ status: 'REFUND_PENDING', refund: { status: 'PENDING' } });
    expect(held).toMatchObject({ status: 'AWAITING_RETURN', refund: { status: 'HELD', amount: 99_900 }, version: own.version + 1 });
    const messages = (await drainQueue(w.queueUrl)).map((b) => RefundMessageSchema.parse(JSON.parse(b)));
    expect(messages.map((m) => m.caseId)).toEqual([other.caseId]);
    expect((await w.store.getHistory(own.caseId)).map((e) => e.action).slice(-2)).toEqual(['DEFAULT_RESOLUTION', 'REFUND_HELD']);

    // The return window runs on the same sweep: a reminder, then closed as not returned, nothing paid.
    const shipBy = held.returnLeg?.shipBy as string;
    expect(await sweep(held.dueAt as string)).toMatchObject({ found: 1, returnReminders: 1 });
    expect(await sweep(shipBy)).toMatchObject({ found: 1, closedNotReturned: 1 });
    expect(await w.store.getCase(own.caseId)).toMatchObject({ status: 'CLOSED', refund: { status: 'CANCELLED' } });
    expect(await drainQueue(w.queueUrl)).toEqual([]);
    expect((await w.store.getHistory(own.caseId)).filter((e) => e.action === 'DEFAULT_RESOLUTION')).toHaveLength(1);
  });

  it('a default return-and-refund whose case changed after its index entry was read is a lost race: nothing written', async () => {
    const w = await world();
    const [c] = await seedCases(w.store, [{ shape: 'AWAITING_APPROVAL', claimedAt: at(-30 * HOUR), level: 'MANAGER', dueAt: at(-HOUR) }]);
    if (c === undefined) throw new Error('not seeded');
    const policies = new StaticPolicyProvider([], { ...defaultPolicy, defaultResolutionAfterLastLevel: 'BUYER_WINS_RETURN_AND_REFUND' });
    // A staff note lands between the sweep's index read and its case read.
    const listing = await w.dueCases.listDue({ now: NOW, limit: 10 });
    await w.store.commit({
      next: { ...c, version: c.version + 1, updatedAt: NOW },
      expectedVersion: c.version,
      events: [
        {
          caseId: c.caseId,
          version: c.version + 1,
          seq: 0,
          at: NOW,
          actor: { kind: 'STAFF', id: 'agent-1', role: 'agent' },
          action: 'NOTE_ADDED',
          fromStatus: c.status,
          toStatus: c.status,
          details: {},
        },
      ],
    });
    const stale = { ...w.dueCases, listDue: async () => listing } as unknown as DueCases;
    const result = await escalateStaleCases(
      { store: w.store, dueCases: stale, refunds: w.refunds, clock: fixedClock(NOW), policies },
      { limit: 10 },
    );
    expect(result).toMatchObject({ found: 1, skipped: 1, defaultResolutions: 0 });
    expect(await w.store.getCase(c.caseId)).toMatchObject({ status: c.status, version: c.version + 1 });
    expect((await w.store.getHistory(c.caseId)).some((e) => e.action === 'DEFAULT_RESOLUTION')).toBe(false);
  });

  it('a return parcel not arrived by its deadline: lost in transit, the held refund paid once even with a crash after the commit', async () => {
    const w = await world();
    const [held] = await seedCases(w.store, [{ shape: 'AWAITING_RETURN', claimedAt: at(-30 * HOUR) }]);
    if (held === undefined) throw new Error('not seeded');
    // The buyer ships: the case now runs against the arrival deadline (first scan + arriveWithinDays).
    const shipment = WebhookPayloadSchema.parse(
      aReturnShipment(held.return, { receivedAt: undefined, scans: [{ type: 'PICKED_UP', at: at(-20 * HOUR) }] }),
    );
    const outcome = applyMarketplaceEvent(held, shipment, { marketplace: TEST_MARKETPLACE, now: at(-19 * HOUR), policy: defaultPolicy });
    if (outcome.kind !== 'CHANGE') throw new Error(outcome.reason);
    await w.store.commit({ next: outcome.next, expectedVersion: held.version, events: outcome.events });
    const shipped = (await w.store.getCase(held.caseId)) as CaseRecord;
    const arriveBy = shipped.dueAt as string;
    expect(arriveBy).toBe(new Date(Date.parse(at(-20 * HOUR)) + defaultPolicy.returnLeg.arriveWithinDays * 24 * HOUR).toISOString());
    expect(await run(w, fixedClock(at(-HOUR)))).toMatchObject({ found: 0 });

    // The sweep at the deadline crashes right after its commit: the refund is in the outbox only.
    const crashing = new FaultyCaseStore(w.store).crashOnCommit((c) => c.outbox !== undefined, 'AFTER');
    const clock = fixedClock(arriveBy);
    expect(await run({ ...w, store: crashing }, clock)).toMatchObject({ found: 1, returnsNotArrived: 0, failed: 1 });
    expect(await drainQueue(w.queueUrl)).toEqual([]);
    const lost = (await w.store.getCase(held.caseId)) as CaseRecord;
    expect(lost).toMatchObject({ status: 'REFUND_PENDING', refund: { refundId: held.refund?.refundId, status: 'PENDING' } });
    expect(lost.ledger?.filter((l) => l.kind === 'CARRIER_CLAIM')).toEqual([
      expect.objectContaining({ amount: held.return.money.itemValue }),
    ]);
    // Later sweeps find nothing; the relay publishes the one refund.
    expect(await run(w, fixedClock(new Date(Date.parse(arriveBy) + HOUR).toISOString()))).toMatchObject({ found: 0 });
    clock.advance(HOUR);
    expect(await relayRefundOutbox({ store: w.store, refunds: w.refunds, clock })).toMatchObject({ published: 1 });
    const messages = (await drainQueue(w.queueUrl)).map((b) => RefundMessageSchema.parse(JSON.parse(b)));
    expect(messages.map((m) => m.refundId)).toEqual([held.refund?.refundId]);
    const history = await w.store.getHistory(held.caseId);
    expect(history.filter((e) => e.action === 'RETURN_LOST_IN_TRANSIT')).toHaveLength(1);
    expect(history.filter((e) => e.action === 'REFUND_RELEASED')).toHaveLength(1);
  });

  it('a listing that lags a newer write is a lost race: the patch writes nothing, no event, no refund, no outbox record', async () => {
    const w = await world();
    const seeded = await seedCases(w.store, [
      { shape: 'NEEDS_REVIEW', claimedAt: at(-30 * HOUR) },
      { shape: 'AWAITING_APPROVAL', claimedAt: at(-30 * HOUR), level: 'MANAGER', dueAt: at(-HOUR) },
    ]);
    // The sweep lists the cases, then staff act on both before it writes (an unrelated field
    // and the same deadline: only the version tells the listing is stale).
    const listed = await w.dueCases.listDue({ now: NOW, limit: 10 });
    for (const c of seeded) {
      await w.store.commit({
        next: { ...c, version: c.version + 1, assignee: 'agent-7', updatedAt: NOW },
        expectedVersion: c.version,
        events: [],
      });
    }
    const frozen: DueCases = { listDue: async () => listed, countOpen: async () => listed.cases.length };
    expect(await run({ ...w, dueCases: frozen }, fixedClock(NOW))).toMatchObject({
      found: 2,
      escalated: 0,
      defaultResolutions: 0,
      skipped: 2,
    });
    for (const c of seeded) {
      const after = (await w.store.getCase(c.caseId)) as CaseRecord;
      expect(after).toMatchObject({ version: c.version + 1, escalationLevel: c.escalationLevel, status: c.status, dueAt: c.dueAt });
      expect(escalationEvents(await w.store.getHistory(c.caseId))).toEqual([]);
    }
    expect(await w.store.listPendingOutbox({ olderThan: '9999-12-31T00:00:00.000Z', limit: 10 })).toEqual([]);
    expect(await drainQueue(w.queueUrl)).toEqual([]);
    // The fresh entries are found by the next run.
    expect(await run(w, fixedClock(NOW))).toMatchObject({ found: 2, escalated: 1, defaultResolutions: 1 });
  });

  it('a case staff settled (override to a reship) leaves the sweep: never escalated, never refunded by default', async () => {
    const w = await world();
    const [c] = await seedCases(w.store, [{ shape: 'AWAITING_APPROVAL', claimedAt: at(-30 * HOUR), level: 'MANAGER', dueAt: at(-HOUR) }]);
    if (c === undefined) throw new Error('not seeded');
    const actor = { kind: 'STAFF', id: 'sup-1', role: 'supervisor' } as const;
    const change = overrideDecision(
      c,
      { now: at(-2 * MIN), actor, role: 'supervisor', policy: defaultPolicy },
      { remedy: 'RESHIP', reason: 'buyer wants a new one' },
    );
    await w.store.commit({ next: change.next, expectedVersion: c.version, events: change.events });
    for (const later of [0, 30 * 24 * HOUR]) expect(await run(w, fixedClock(at(later)))).toMatchObject({ found: 0 });
    expect(await w.store.getCase(c.caseId)).toMatchObject({ status: 'DECIDED', version: c.version + 1, resolution: { remedy: 'RESHIP' } });
    expect(await drainQueue(w.queueUrl)).toEqual([]);
  });

  it('its replacement recorded, the reship is followed up at the promised delivery: not delivered, it re-opens for staff, once', async () => {
    const w = await world();
    const [c] = await seedCases(w.store, [
      { shape: 'AWAITING_APPROVAL', claimedAt: at(-30 * HOUR), level: 'SUPERVISOR', dueAt: at(-HOUR) },
    ]);
    if (c === undefined) throw new Error('not seeded');
    const actor = { kind: 'STAFF', id: 'sup-1', role: 'supervisor' } as const;
    const settled = overrideDecision(
      c,
      { now: at(-2 * MIN), actor, role: 'supervisor', policy: defaultPolicy },
      { remedy: 'RESHIP', reason: 'new one' },
    );
    await w.store.commit({ next: settled.next, expectedVersion: c.version, events: settled.events });
    const promised = at(48 * HOUR);
    const replacement = WebhookPayloadSchema.parse({
      schemaVersion: 1,
      eventType: 'replacement.shipment',
      deliveryId: 'dlv-replacement-1',
      occurredAt: at(-MIN),
      return: { marketplaceReturnId: c.return.marketplaceReturnId, orderId: c.return.orderId, sellerId: c.return.sellerId },
      replacement: {
        carrier: 'sf-express',
        trackingNumber: 'SFRPL1',
        scans: [{ type: 'PICKED_UP', at: at(-MIN) }],
        promisedDeliveryAt: promised,
      },
    });
    const recorded = applyMarketplaceEvent(settled.next, replacement, {
      marketplace: TEST_MARKETPLACE,
      now: at(-MIN),
      policy: defaultPolicy,
    });
    if (recorded.kind !== 'CHANGE') throw new Error(recorded.reason);
    await w.store.commit({ next: recorded.next, expectedVersion: settled.next.version, events: recorded.events });

    // Before the promise: nothing due (the follow-up is not a staff deadline, so nothing escalates).
    expect(await run(w, fixedClock(at(47 * HOUR)))).toMatchObject({ found: 0 });
    const [first, second] = await Promise.all([run(w, fixedClock(at(49 * HOUR))), run(w, fixedClock(at(49 * HOUR)))]);
    expect((first?.followedUp ?? 0) + (second?.followedUp ?? 0)).toBe(1);
    const reopened = (await w.store.getCase(c.caseId)) as CaseRecord;
    expect(reopened).toMatchObject({ status: 'NEEDS_REVIEW', escalationLevel: 'SUPERVISOR', version: recorded.next.version + 1 });
    expect(reopened.resolution).toBeUndefined();
    expect((await w.store.getHistory(c.caseId)).filter((e) => e.action === 'REPLACEMENT_FAILED')).toEqual([
      expect.objectContaining({
        details: expect.objectContaining({ reason: 'NOT_DELIVERED_BY_PROMISE', rule: 'REPLACEMENT_DELIVERY_DEADLINE' }),
      }),
    ]);
    // From here the staff clock runs again: at its deadline the case escalates like any other.
    expect(await run(w, fixedClock(reopened.dueAt as string))).toMatchObject({ found: 1, escalated: 1 });
    expect(await drainQueue(w.queueUrl)).toEqual([]);
  });

  it('CaseStore.patch refuses a change that would leave the index facts stale, before writing anything', async () => {
    const w = await world();
    const [c] = await seedCases(w.store, [{ shape: 'NEEDS_REVIEW', claimedAt: at(-30 * HOUR) }]);
    if (c === undefined) throw new Error('not seeded');
    await expect(
      w.store.patch({
        before: c,
        subject: subjectOf(c),
        set: { version: c.version + 1, updatedAt: NOW, ledger: [] },
        remove: [],
        events: [],
      }),
    ).rejects.toThrow(/cannot change return\/decision\/refund\/ledger/);
    await expect(
      w.store.patch({ before: c, subject: subjectOf(c), set: { version: c.version + 2, updatedAt: NOW }, remove: [], events: [] }),
    ).rejects.toThrow(/advance by one/);
    expect(await w.store.getCase(c.caseId)).toEqual(c);
  });

  it('bounded work: with limit N and more than N due, each run escalates exactly N and the next continues', async () => {
    const w = await world();
    await seedCases(
      w.store,
      Array.from({ length: 60 }, (_, i) => ({ shape: 'NEEDS_REVIEW' as const, claimedAt: at(-30 * HOUR - i * MIN) })),
    );
    const clock = fixedClock(NOW);
    const runs: EscalateStaleCasesResult[] = [];
    for (let i = 0; i < 4; i++) runs.push(await run(w, clock, { limit: 25 }));
    expect(runs.map((r) => [r.found, r.escalated, r.stoppedBy])).toEqual([
      [25, 25, 'LIMIT'],
      [25, 25, 'LIMIT'],
      [10, 10, 'DRAINED'],
      [0, 0, 'DRAINED'],
    ]);
    // The oldest deadlines go first: the first run's oldest overdue case is the oldest of all.
    expect(runs[0]?.oldestOverdueMs).toBe(6 * HOUR + 59 * MIN);
  });

  it('bounded time: no case is started once the remaining time falls below the reserve; the next run continues', async () => {
    const w = await world();
    await seedCases(
      w.store,
      Array.from({ length: 20 }, (_, i) => ({ shape: 'NEEDS_REVIEW' as const, claimedAt: at(-30 * HOUR - i * MIN) })),
    );
    let budgetChecks = 0;
    // Plenty of time for seven cases, then the invocation is nearly over.
    const remainingTimeMs = () => (++budgetChecks <= 7 ? 50_000 : 4_000);
    const first = await run(w, fixedClock(NOW), { concurrency: 1, reserveMs: 5_000, remainingTimeMs });
    expect(first).toMatchObject({ found: 20, escalated: 7, stoppedBy: 'TIME_BUDGET' });
    expect(await run(w, fixedClock(NOW))).toMatchObject({ found: 13, escalated: 13, stoppedBy: 'DRAINED' });
  });

  describe('the full ladder through the real intake path, with a moving clock', () => {
    async function intake(
      w: World,
      clock: Clock,
      ret = aReturn({ money: { currency: 'CNY', itemValue: 99_900, amountPaid: 99_900, shippingCost: 1_200 } }),
    ) {
      const body = JSON.stringify(aWebhook('return.requested', ret));
      const result = await receiveWebhook(
        {
          store: w.store,
          secrets: new StaticWebhookSecrets({ [TEST_MARKETPLACE]: TEST_SECRET }),
          policies: new StaticPolicyProvider(),
          refunds: w.refunds,
          clock,
          marketplaces: canonicalOnly,
        },
        {
          marketplace: TEST_MARKETPLACE,
          rawBody: body,
          signatureHeader: signatureHeader(TEST_SECRET, Math.floor(clock.now().getTime() / 1000), body),
        },
      );
      expect(result.status).toBe('DECIDED');
      return result.caseId;
    }

    it('AGENT → SUPERVISOR → MANAGER → default resolution → REFUND_PENDING and one refund message, exactly once', async () => {
      const w = await world();
      const clock = fixedClock('2026-11-06T10:00:00.000Z');
      const caseId = await intake(w, clock);
      const received = (await w.store.getCase(caseId)) as CaseRecord;
      // Claimed 09:00, NORMAL priority: first response within 24 hours.
      expect(received).toMatchObject({
        status: 'DECIDED',
        escalationLevel: 'AGENT',
        priority: 'NORMAL',
        dueAt: '2026-11-07T09:00:00.000Z',
      });
      const sl = defaultPolicy.serviceLevels.resolutionMinutes;

      clock.set('2026-11-07T08:59:59.999Z');
      expect(await run(w, clock)).toMatchObject({ found: 0 });

      clock.set('2026-11-07T09:00:00.000Z');
      expect(await run(w, clock)).toMatchObject({ found: 1, escalated: 1 });
      const supervisor = (await w.store.getCase(caseId)) as CaseRecord;
      expect(supervisor).toMatchObject({
        status: 'DECIDED',
        escalationLevel: 'SUPERVISOR',
        dueAt: new Date(Date.parse('2026-11-07T09:00:00.000Z') + sl.supervisor * MIN).toISOString(),
      });

      // Late by an hour: the manager's clock starts when the escalation happens.
      clock.set(new Date(Date.parse(supervisor.dueAt as string) + HOUR));
      expect(await run(w, clock)).toMatchObject({ found: 1, escalated: 1 });
      const manager = (await w.store.getCase(caseId)) as CaseRecord;
      expect(manager).toMatchObject({
        escalationLevel: 'MANAGER',
        dueAt: new Date(clock.now().getTime() + sl.manager * MIN).toISOString(),
      });

      clock.set(manager.dueAt as string);
      expect(await run(w, clock)).toMatchObject({ found: 1, escalated: 0, defaultResolutions: 1, refundsDue: 1, refundsLeftInOutbox: 0 });
      const resolved = (await w.store.getCase(caseId)) as CaseRecord;
      expect(resolved).toMatchObject({
        status: 'REFUND_PENDING',
        escalationLevel: 'MANAGER',
        refund: { amount: 99_900, currency: 'CNY', status: 'PENDING' },
      });
      expect(resolved.dueAt).toBeUndefined();

      // Much later, many runs: nothing more happens to it.
      for (const days of [1, 30, 365]) {
        clock.advance(days * 24 * HOUR);
        expect(await run(w, clock)).toMatchObject({ found: 0 });
      }
      const history = await w.store.getHistory(caseId);
      expect(history.map((e) => e.action)).toEqual([
        'CASE_RECEIVED',
        'DECISION_MADE',
        'ESCALATED',
        'ESCALATED',
        'DEFAULT_RESOLUTION',
        'REFUND_DUE',
      ]);
      expect(history.slice(2).map((e) => [e.details.rule, e.details.fromLevel, e.details.toLevel])).toEqual([
        ['FIRST_RESPONSE_DEADLINE', 'AGENT', 'SUPERVISOR'],
        ['SUPERVISOR_RESOLUTION_DEADLINE', 'SUPERVISOR', 'MANAGER'],
        ['MANAGER_RESOLUTION_DEADLINE', 'MANAGER', 'MANAGER'],
        [undefined, undefined, undefined],
      ]);
      expect(history[4]?.details).toMatchObject({
        resolution: 'BUYER_WINS_FULL_REFUND',
        deadline: manager.dueAt,
        refundId: resolved.refund?.refundId,
      });

      const messages = (await drainQueue(w.queueUrl)).map((b) => RefundMessageSchema.parse(JSON.parse(b)));
      expect(messages).toEqual([
        {
          schemaVersion: 1,
          refundId: resolved.refund?.refundId,
          caseId,
          sellerId: resolved.sellerId,
          amount: 99_900,
          currency: 'CNY',
          decidedAtVersion: resolved.version,
        },
      ]);
      expect(await w.store.listPendingOutbox({ olderThan: '9999-12-31T00:00:00.000Z', limit: 10 })).toEqual([]);
    });

    it('the default-resolution refund is in the outbox with the case; a failed publish is left to the relay', async () => {
      const w = await world();
      const clock = fixedClock('2026-11-06T10:00:00.000Z');
      const caseId = await intake(w, clock);
      const failing = new FaultyRefundQueue(w.refunds).failNext(1);
      const ladder = { ...w, refunds: failing };
      for (let step = 0; step < 3; step++) {
        clock.set((await w.store.getCase(caseId))?.dueAt as string);
        await run(ladder, clock);
      }
      const resolved = (await w.store.getCase(caseId)) as CaseRecord;
      expect(resolved.status).toBe('REFUND_PENDING');
      const outbox = await w.store.listPendingOutbox({ olderThan: '9999-12-31T00:00:00.000Z', limit: 10 });
      expect(outbox).toEqual([expect.objectContaining({ caseId, refundId: resolved.refund?.refundId })]);
      expect(await drainQueue(w.queueUrl)).toEqual([]);

      clock.advance(5 * MIN);
      expect(await relayRefundOutbox({ store: w.store, refunds: failing, clock })).toMatchObject({ found: 1, published: 1 });
      const messages = (await drainQueue(w.queueUrl)).map((b) => RefundMessageSchema.parse(JSON.parse(b)));
      expect(messages.map((m) => m.refundId)).toEqual([resolved.refund?.refundId]);
    });
  });
});
