import { describe, expect, it } from 'vitest';
import type { CaseRecord, CaseStatus, HistoryEvent } from '#lib/domain/case.ts';
import type { LedgerEntry } from '#local/payment-simulator.ts';
import {
  checkDeadLetters,
  checkHistories,
  checkNo5xx,
  checkRefundsExactlyOnce,
  type TableSnapshot,
} from '#local/soak/invariants.ts';
import type { WebhookModel } from '#local/soak/webhook-traffic.ts';

/**
 * The soak's invariant checker must catch what it claims to: each check is fed a table
 * snapshot with one planted fault and must name it, and must pass the same snapshot without it.
 */

const caseId = 'cs_000000000000000000000001';

function aCase(status: CaseStatus, version: number, refund?: CaseRecord['refund']): CaseRecord {
  return { caseId, status, version, marketplace: 'm', marketplaceReturnId: 'r', ...(refund === undefined ? {} : { refund }) } as unknown as CaseRecord;
}

function ev(version: number, seq: number, action: string, fromStatus: CaseStatus | null, toStatus: CaseStatus, details: Record<string, unknown> = {}): HistoryEvent {
  return { caseId, version, seq, action, fromStatus, toStatus, details, at: '2026-11-01T00:00:00Z', actor: { kind: 'SYSTEM', id: 't' } };
}

function snapshot(c: CaseRecord, events: HistoryEvent[]): TableSnapshot {
  return { cases: new Map([[caseId, c]]), events: new Map([[caseId, events]]), outbox: [], deliveries: new Map(), items: 0 };
}

const paid = { refundId: 'rf_1', amount: 500, currency: 'EUR', status: 'APPLIED', decidedAtVersion: 1, dueAt: '2026-11-01T00:00:00Z', providerReference: 'pay_1' } as const;
const refundedHistory = [
  ev(1, 0, 'CASE_RECEIVED', null, 'RECEIVED'),
  ev(1, 1, 'DECISION_MADE', 'RECEIVED', 'REFUND_PENDING'),
  ev(1, 2, 'REFUND_DUE', 'REFUND_PENDING', 'REFUND_PENDING', { refundId: 'rf_1' }),
  ev(2, 0, 'REFUND_STARTED', 'REFUND_PENDING', 'REFUND_PENDING'),
  ev(3, 0, 'REFUND_APPLIED', 'REFUND_PENDING', 'REFUNDED', { refundId: 'rf_1' }),
];
const ledgerEntry: LedgerEntry = { idempotencyKey: 'rf_1', reference: 'pay_1', caseId, amount: 500, currency: 'EUR', paidAt: '2026-11-01T00:00:00Z', calls: 1 };
const emptyModel: WebhookModel = { returns: new Map(), mustWriteNothing: [], unanswered: [], wrongRefusals: [], duplicatesApplied: [], crossSellerCancels: [] };

describe('soak invariant checker', () => {
  it('accepts a consistent refunded case and flags each planted inconsistency in its history', () => {
    expect(checkHistories(snapshot(aCase('REFUNDED', 3, paid), refundedHistory)).ok).toBe(true);

    const illegal = [...refundedHistory, ev(4, 0, 'RETURN_UPDATED', 'REFUNDED', 'CANCELLED')];
    const result = checkHistories(snapshot(aCase('CANCELLED', 4, paid), illegal));
    expect(result.ok).toBe(false);
    expect(result.summary).toContain('RETURN_UPDATED REFUNDED→CANCELLED ×1');

    const gap = refundedHistory.filter((e) => e.version !== 2);
    expect(checkHistories(snapshot(aCase('REFUNDED', 3, paid), gap)).examples.join()).toContain('are not 1..3');

    const ghost = refundedHistory.slice(0, 4);
    expect(checkHistories(snapshot(aCase('REFUND_PENDING', 2, paid), ghost)).examples.join()).toContain('APPLIED with 0 REFUND_APPLIED');
  });

  it('finds a refund paid twice, a payment nobody owed, and a refund left unpaid', () => {
    const refunded = snapshot(aCase('REFUNDED', 3, paid), refundedHistory);
    expect(checkRefundsExactlyOnce(refunded, [ledgerEntry]).ok).toBe(true);
    expect(checkRefundsExactlyOnce(refunded, [ledgerEntry, { ...ledgerEntry, reference: 'pay_2' }]).examples.join()).toContain('2 ledger entries');
    expect(checkRefundsExactlyOnce(refunded, [ledgerEntry, { ...ledgerEntry, idempotencyKey: 'rf_old', reference: 'pay_9' }]).examples.join()).toContain('paid rf_old');
    const pending = snapshot(aCase('REFUND_PENDING', 1, { ...paid, status: 'PENDING' }), refundedHistory.slice(0, 3));
    expect(checkRefundsExactlyOnce(pending, []).examples.join()).toContain('still PENDING');
  });

  it('explains dead letters by their case, and refuses a due refund stuck there', () => {
    const message = (refundId: string) => JSON.stringify({ schemaVersion: 1, refundId: `rf_000000000000000000000001_${refundId}`, caseId, sellerId: 's', amount: 500, currency: 'EUR', decidedAtVersion: 1 });
    const refunded = snapshot(aCase('REFUNDED', 3, { ...paid, refundId: 'rf_000000000000000000000001_1' }), refundedHistory);
    const ok = checkDeadLetters([{ messageId: 'm1', body: message('1'), receiveCount: 5 }, { messageId: 'm2', body: message('7'), receiveCount: 5 }], refunded);
    expect(ok).toMatchObject({ ok: true, counts: { ALREADY_APPLIED: 1, SUPERSEDED_REFUND: 1 } });
    const due = snapshot(aCase('REFUND_PENDING', 1, { ...paid, refundId: 'rf_000000000000000000000001_1', status: 'PENDING' }), []);
    expect(checkDeadLetters([{ messageId: 'm1', body: message('1'), receiveCount: 5 }], due).ok).toBe(false);
  });

  it('tolerates 5xx only inside a DynamoDB throttle window', () => {
    const at = 1_000_000;
    const record = { kind: 'webhook.new', status: 500, startedAt: at, endedAt: at + 100, wellFormed: true };
    const window = { kind: 'dynamodbThrottle', start: at - 1_000, end: at + 50 };
    expect(checkNo5xx([record], [window], emptyModel).ok).toBe(true);
    expect(checkNo5xx([record], [{ ...window, kind: 'sqsSendFailure' }], emptyModel).ok).toBe(false);
    expect(checkNo5xx([{ ...record, wellFormed: false }], [], emptyModel).ok).toBe(true);
  });
});
