import { describe, expect, it } from 'vitest';
import { DynamoDbCaseStore } from '#lib/adapters/dynamodb-case-store.ts';
import { DynamoDbDueCases } from '#lib/adapters/dynamodb-due-cases.ts';
import { SqsRefundQueue } from '#lib/adapters/sqs-refund-queue.ts';
import { StaticPolicyProvider } from '#lib/adapters/static-policy-provider.ts';
import { defaultPolicy } from '#lib/decision/policy.ts';
import { fixedClock } from '#lib/ports/clock.ts';
import { escalateStaleCases } from '#lib/use-cases/escalate-stale-cases.ts';
import type { CaseRecord } from '#lib/workflow/case.ts';
import { seedCases } from '#test/support/case-factory.ts';
import { countingDocumentClient } from '#test/support/counting-client.ts';
import { createTestQueues, createTestTable, documentClient, sqsClient } from '#test/support/engines.ts';
import { FaultyCaseStore } from '#test/support/faults.ts';

/**
 * The return window (#15) on DynamoDB Local: a buyer who does not ship is reminded, then the
 * case is closed as not returned with no refund, by the same sweep and sparse due index as
 * escalation, reading about one index entry per due case and never the case.
 */

const DAY = 86_400_000;
const CLAIM = '2026-11-06T09:00:00.000Z';
const at = (days: number) => new Date(Date.parse(CLAIM) + days * DAY).toISOString();

async function world() {
  const table = await createTestTable();
  const queues = await createTestQueues();
  return { table, store: new DynamoDbCaseStore(documentClient(), table), queueUrl: queues.refundQueueUrl };
}

function sweep(w: { table: string; queueUrl: string }, now: string, client = documentClient()) {
  return escalateStaleCases(
    {
      store: new DynamoDbCaseStore(client, w.table),
      dueCases: new DynamoDbDueCases(client, w.table),
      refunds: new SqsRefundQueue(sqsClient(), w.queueUrl),
      clock: fixedClock(new Date(now)),
      policies: new StaticPolicyProvider(),
    },
    { limit: 1_000 },
  );
}

describe('return window', () => {
  it('reminds, then closes as not returned with no refund; one index entry read per due case, never the case', async () => {
    const w = await world();
    const seeded = await seedCases(
      w.store,
      Array.from({ length: 30 }, () => ({ shape: 'AWAITING_RETURN' as const })),
      { now: CLAIM },
    );
    expect(seeded.every((c) => c.status === 'AWAITING_RETURN' && c.refund?.status === 'HELD')).toBe(true);
    const shipBy = at(defaultPolicy.returnLeg.shipWithinDays);

    // Before the reminder: nothing is due.
    expect(await sweep(w, at(10))).toMatchObject({ found: 0 });

    const counting = countingDocumentClient(documentClient());
    expect(await sweep(w, at(12), counting.client)).toMatchObject({ found: 30, returnReminders: 30, closedNotReturned: 0, failed: 0 });
    expect(counting.counts.indexItems).toBe(30);
    expect(counting.counts.tableItems).toBe(0);
    const reminded = (await w.store.getCase(seeded[0]?.caseId ?? '')) as CaseRecord;
    expect(reminded).toMatchObject({ status: 'AWAITING_RETURN', dueAt: shipBy, refund: { status: 'HELD' } });
    expect((await w.store.getHistory(reminded.caseId)).at(-1)).toMatchObject({ action: 'RETURN_REMINDER_SENT' });
    // A second run at the same time: nothing more is due (no second reminder).
    expect(await sweep(w, at(12))).toMatchObject({ found: 0 });

    counting.reset();
    expect(await sweep(w, at(15), counting.client)).toMatchObject({ found: 30, closedNotReturned: 30, refundsDue: 0 });
    expect(counting.counts.indexItems).toBe(30);
    expect(counting.counts.tableItems).toBe(0);
    const closed = (await w.store.getCase(reminded.caseId)) as CaseRecord;
    expect(closed).toMatchObject({ status: 'CLOSED', refund: { status: 'CANCELLED' } });
    expect(closed.dueAt).toBeUndefined();
    expect(closed.ledger?.some((l) => l.kind === 'BUYER_REFUND')).toBe(false);
    expect((await w.store.getHistory(closed.caseId)).map((e) => e.action).slice(-2)).toEqual([
      'RETURN_REMINDER_SENT',
      'CLOSED_NOT_RETURNED',
    ]);
    expect(await w.store.listPendingOutbox({ olderThan: '9999-12-31T00:00:00Z', limit: 100 })).toEqual([]);
    // Closed leaves the sweep for good.
    expect(await sweep(w, at(60))).toMatchObject({ found: 0 });
  });

  it('a crash after the close is written changes nothing on the next run: closed once, nothing paid', async () => {
    const w = await world();
    const [c] = await seedCases(w.store, [{ shape: 'AWAITING_RETURN' }], { now: CLAIM });
    if (c === undefined) throw new Error('not seeded');
    await sweep(w, at(12));
    const crashing = new FaultyCaseStore(w.store).crashOnPatch((p) => p.set.status === 'CLOSED', 'AFTER');
    await escalateStaleCases(
      {
        store: crashing,
        dueCases: new DynamoDbDueCases(documentClient(), w.table),
        refunds: new SqsRefundQueue(sqsClient(), w.queueUrl),
        clock: fixedClock(new Date(at(15))),
        policies: new StaticPolicyProvider(),
      },
      { limit: 10 },
    );
    expect(await sweep(w, at(16))).toMatchObject({ found: 0 });
    const history = await w.store.getHistory(c.caseId);
    expect(history.filter((e) => e.action === 'CLOSED_NOT_RETURNED')).toHaveLength(1);
    expect((await w.store.getCase(c.caseId))?.status).toBe('CLOSED');
  });
});
