import { describe, expect, it } from 'vitest';
import type { CaseRecord, CaseStatus, HistoryEvent } from '#lib/workflow/case.ts';
import type { LedgerEntry } from '#local/payment-simulator.ts';
import {
  checkCarrierClaimsAndAppeals,
  checkCrossSellerChangedNothing,
  checkDeadLetters,
  checkDeliveriesAppliedOnce,
  checkHistories,
  checkNo5xx,
  checkNoRefundAfterAcceptedCancel,
  checkNotifications,
  checkRefundsExactlyOnce,
  checkReturnLeg,
  type TableSnapshot,
} from '#local/soak/invariants.ts';
import type { TrackedReturn, WebhookModel } from '#local/soak/webhook-traffic.ts';

/**
 * The soak's invariant checker must catch what it claims to: each check is fed a table
 * snapshot with one planted fault and must name it, and must pass the same snapshot without it.
 */

const caseId = 'cs_000000000000000000000001';

function aCase(status: CaseStatus, version: number, refund?: CaseRecord['refund']): CaseRecord {
  return {
    caseId,
    status,
    version,
    marketplace: 'm',
    marketplaceReturnId: 'r',
    ...(refund === undefined ? {} : { refund }),
  } as unknown as CaseRecord;
}

function ev(
  version: number,
  seq: number,
  action: string,
  fromStatus: CaseStatus | null,
  toStatus: CaseStatus,
  details: Record<string, unknown> = {},
): HistoryEvent {
  return { caseId, version, seq, action, fromStatus, toStatus, details, at: '2026-11-01T00:00:00Z', actor: { kind: 'SYSTEM', id: 't' } };
}

function snapshot(c: CaseRecord, events: HistoryEvent[]): TableSnapshot {
  return {
    cases: new Map([[caseId, c]]),
    events: new Map([[caseId, events]]),
    outbox: [],
    deliveries: new Map(),
    held: new Map(),
    notifications: [],
    items: 0,
  };
}

const paid = {
  refundId: 'rf_1',
  amount: 500,
  currency: 'EUR',
  status: 'APPLIED',
  decidedAtVersion: 1,
  dueAt: '2026-11-01T00:00:00Z',
  providerReference: 'pay_1',
} as const;
const refundedHistory = [
  ev(1, 0, 'CASE_RECEIVED', null, 'RECEIVED'),
  ev(1, 1, 'DECISION_MADE', 'RECEIVED', 'REFUND_PENDING'),
  ev(1, 2, 'REFUND_DUE', 'REFUND_PENDING', 'REFUND_PENDING', { refundId: 'rf_1' }),
  ev(2, 0, 'REFUND_STARTED', 'REFUND_PENDING', 'REFUND_PENDING'),
  ev(3, 0, 'REFUND_APPLIED', 'REFUND_PENDING', 'REFUNDED', { refundId: 'rf_1' }),
];
const ledgerEntry: LedgerEntry = {
  idempotencyKey: 'rf_1',
  reference: 'pay_1',
  caseId,
  amount: 500,
  currency: 'EUR',
  paidAt: '2026-11-01T00:00:00Z',
  calls: 1,
};
const emptyModel: WebhookModel = {
  returns: new Map(),
  mustWriteNothing: [],
  unanswered: [],
  wrongRefusals: [],
  duplicatesApplied: [],
  crossSellerCancels: [],
};

function modelWith(changes: Partial<WebhookModel>): WebhookModel {
  return { ...emptyModel, returns: new Map(), mustWriteNothing: [], crossSellerCancels: [], ...changes };
}

const cancelledReturn: TrackedReturn = {
  returnId: 'r',
  caseId,
  orderId: 'o',
  sellerId: 's',
  template: 'defect',
  newestOccurredAt: 0,
  accepted: true,
  cancelSent: true,
  cancelAccepted: true,
};

/** A return cancelled while its refund waited: the refund withdrawn, nothing paid. */
const cancelledHistory = [
  ...refundedHistory.slice(0, 3),
  ev(2, 0, 'RETURN_CANCELLED', 'REFUND_PENDING', 'CANCELLED', { deliveryId: 'DLV-cancel', cancelledRefundId: 'rf_1' }),
];
const withdrawn = { ...paid, status: 'CANCELLED' } as const;

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
    expect(checkRefundsExactlyOnce(refunded, [ledgerEntry, { ...ledgerEntry, reference: 'pay_2' }]).examples.join()).toContain(
      '2 ledger entries',
    );
    expect(
      checkRefundsExactlyOnce(refunded, [ledgerEntry, { ...ledgerEntry, idempotencyKey: 'rf_old', reference: 'pay_9' }]).examples.join(),
    ).toContain('paid rf_old');
    const pending = snapshot(aCase('REFUND_PENDING', 1, { ...paid, status: 'PENDING' }), refundedHistory.slice(0, 3));
    expect(checkRefundsExactlyOnce(pending, []).examples.join()).toContain('still PENDING');
  });

  it('explains dead letters by their case, and refuses a due refund stuck there', () => {
    const message = (refundId: string) =>
      JSON.stringify({
        schemaVersion: 1,
        refundId: `rf_000000000000000000000001_${refundId}`,
        caseId,
        sellerId: 's',
        amount: 500,
        currency: 'EUR',
        decidedAtVersion: 1,
      });
    const refunded = snapshot(aCase('REFUNDED', 3, { ...paid, refundId: 'rf_000000000000000000000001_1' }), refundedHistory);
    const ok = checkDeadLetters(
      [
        { messageId: 'm1', body: message('1'), receiveCount: 5 },
        { messageId: 'm2', body: message('7'), receiveCount: 5 },
      ],
      refunded,
    );
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

  it('finds a refund paid, or a case left open, for a return whose cancellation was accepted', () => {
    // Prepare: the cancel was accepted; the case is CANCELLED with its refund withdrawn.
    const model = modelWith({ returns: new Map([[caseId, cancelledReturn]]) });
    const cancelled = snapshot(aCase('CANCELLED', 2, withdrawn), cancelledHistory);

    // Act and assess: clean, then each planted fault named.
    expect(checkNoRefundAfterAcceptedCancel(cancelled, [], model)).toMatchObject({
      ok: true,
      counts: { cancelsAccepted: 1, casesCancelled: 1, refundsWithdrawn: 1 },
    });
    const paidAnyway = checkNoRefundAfterAcceptedCancel(cancelled, [ledgerEntry], model);
    expect(paidAnyway.ok).toBe(false);
    expect(paidAnyway.examples.join()).toContain('ledger pay_1 paid 500 EUR');
    const refunded = checkNoRefundAfterAcceptedCancel(snapshot(aCase('REFUNDED', 3, paid), refundedHistory), [ledgerEntry], model);
    expect(refunded.examples.join()).toContain('but case cs_000000000000000000000001 is REFUNDED');
    expect(refunded.examples.join()).toContain('is APPLIED');

    // Born cancelled: the request replayed the held cancel in the same write.
    const born = [
      ev(1, 0, 'CASE_RECEIVED', null, 'RECEIVED'),
      ev(1, 1, 'RETURN_CANCELLED', 'RECEIVED', 'CANCELLED', { deliveryId: 'DLV-early', arrivedBeforeTheReturn: true }),
    ];
    expect(checkNoRefundAfterAcceptedCancel(snapshot(aCase('CANCELLED', 1), born), [], model)).toMatchObject({
      ok: true,
      counts: { bornCancelled: 1 },
    });

    // A held cancel whose request never came: no case, nothing paid, fine; a payment is not.
    const noCase: TableSnapshot = {
      ...cancelled,
      cases: new Map(),
      events: new Map(),
      held: new Map([[caseId, { guard: true, events: 1 }]]),
    };
    expect(checkNoRefundAfterAcceptedCancel(noCase, [], model)).toMatchObject({ ok: true, counts: { noCase: 1 } });
    expect(checkNoRefundAfterAcceptedCancel(noCase, [ledgerEntry], model).ok).toBe(false);

    // A cancel that was refused (409) promises nothing.
    const refused = modelWith({ returns: new Map([[caseId, { ...cancelledReturn, cancelAccepted: false }]]) });
    expect(checkNoRefundAfterAcceptedCancel(snapshot(aCase('REFUNDED', 3, paid), refundedHistory), [ledgerEntry], refused).ok).toBe(true);
  });

  it('finds a case changed by a cancel naming another seller', () => {
    const crossSeller = { marketplace: 'm', caseId, deliveryId: 'DLV-other-seller', status: 409 };
    const model = modelWith({ crossSellerCancels: [crossSeller] });
    const refunded = snapshot(aCase('REFUNDED', 3, paid), refundedHistory);
    expect(checkCrossSellerChangedNothing(refunded, model)).toMatchObject({ ok: true, counts: { crossSellerCancels: 1 } });

    const applied = [
      ...refundedHistory.slice(0, 3),
      ev(2, 0, 'RETURN_CANCELLED', 'REFUND_PENDING', 'CANCELLED', { deliveryId: 'DLV-other-seller' }),
    ];
    expect(checkCrossSellerChangedNothing(snapshot(aCase('CANCELLED', 2, withdrawn), applied), model).examples.join()).toContain(
      'is in the history of cs_000000000000000000000001 v2 RETURN_CANCELLED',
    );

    const recorded: TableSnapshot = { ...refunded, deliveries: new Map([['DELIVERY#m#DLV-other-seller', { caseId }]]) };
    expect(checkCrossSellerChangedNothing(recorded, model).examples.join()).toContain('left a delivery record');

    expect(
      checkCrossSellerChangedNothing(refunded, modelWith({ crossSellerCancels: [{ ...crossSeller, status: 202 }] })).examples.join(),
    ).toContain('answered 202, expected 409');
  });

  it('accepts delivery records of held events only while their case does not exist', () => {
    const heldCancel = { caseId: 'cs_000000000000000000000002' };
    const base = snapshot(aCase('REFUNDED', 3, paid), refundedHistory);
    const held: TableSnapshot = {
      ...base,
      deliveries: new Map([['DELIVERY#m#DLV-early', heldCancel]]),
      held: new Map([[heldCancel.caseId, { guard: true, events: 1 }]]),
    };
    expect(checkDeliveriesAppliedOnce(held, emptyModel)).toMatchObject({ ok: true, counts: { heldEvents: 1, heldDeliveries: 1 } });

    const orphan: TableSnapshot = { ...held, held: new Map() };
    expect(checkDeliveriesAppliedOnce(orphan, emptyModel).examples.join()).toContain(
      'points at missing case cs_000000000000000000000002 with no held events',
    );

    const notConsumed: TableSnapshot = { ...base, held: new Map([[caseId, { guard: true, events: 2 }]]) };
    expect(checkDeliveriesAppliedOnce(notConsumed, emptyModel).examples.join()).toContain(
      'exists but 2 held events and their guard were not consumed',
    );
  });
});

describe('the return leg (#15)', () => {
  const release = { mode: 'ON_RECEIPT', reason: 'policy default' };
  const decision = { refund: { amount: 500 } };
  /** Held at decision, released by the receipt at v2, paid at v4. */
  const releasedHistory = [
    ev(1, 0, 'CASE_RECEIVED', null, 'RECEIVED'),
    ev(1, 1, 'DECISION_MADE', 'RECEIVED', 'AWAITING_RETURN'),
    ev(1, 2, 'REFUND_HELD', 'AWAITING_RETURN', 'AWAITING_RETURN', { refundId: 'rf_1', release }),
    ev(2, 0, 'RETURN_LEG_RECORDED', 'AWAITING_RETURN', 'AWAITING_RETURN', { leg: { shipped: true, received: true } }),
    ev(2, 1, 'REFUND_RELEASED', 'AWAITING_RETURN', 'REFUND_PENDING', { refundId: 'rf_1' }),
    ev(2, 2, 'REFUND_DUE', 'REFUND_PENDING', 'REFUND_PENDING', { refundId: 'rf_1', release }),
    ev(3, 0, 'REFUND_STARTED', 'REFUND_PENDING', 'REFUND_PENDING'),
    ev(4, 0, 'REFUND_APPLIED', 'REFUND_PENDING', 'REFUNDED', { refundId: 'rf_1' }),
  ];
  const refunded = { ...aCase('REFUNDED', 4, paid), decision } as unknown as CaseRecord;

  it('passes a refund released on receipt and paid at the decided amount, and a held refund is not "still due"', () => {
    expect(checkReturnLeg(snapshot(refunded, releasedHistory), [ledgerEntry])).toMatchObject({
      ok: true,
      counts: { releasedAfterGoods: 1 },
    });
    expect(checkHistories(snapshot(refunded, releasedHistory)).ok).toBe(true);
    const held = aCase('AWAITING_RETURN', 1, { ...paid, status: 'HELD', providerReference: undefined } as never);
    expect(checkRefundsExactlyOnce(snapshot(held, releasedHistory.slice(0, 3)), []).ok).toBe(true);
    expect(checkReturnLeg(snapshot(held, releasedHistory.slice(0, 3)), []).ok).toBe(true);
  });

  it('names a refund made due before its goods came back', () => {
    const early = releasedHistory.map((e) =>
      e.action === 'RETURN_LEG_RECORDED' ? { ...e, details: { leg: { shipped: true, received: false } } } : e,
    );
    const result = checkReturnLeg(snapshot(refunded, early), [ledgerEntry]);
    expect(result.ok).toBe(false);
    expect(result.examples[0]).toContain('before its release condition');
  });

  it('accepts a refund released as lost in transit only when the parcel had been shipped', () => {
    const lostHistory = (shipped: boolean) => [
      ...releasedHistory.slice(0, 3),
      ev(2, 0, 'RETURN_LEG_RECORDED', 'AWAITING_RETURN', 'AWAITING_RETURN', { leg: { shipped, received: false } }),
      ev(3, 0, 'RETURN_LOST_IN_TRANSIT', 'AWAITING_RETURN', 'AWAITING_RETURN', { reason: 'NOT_ARRIVED_IN_TIME' }),
      ev(3, 1, 'REFUND_RELEASED', 'AWAITING_RETURN', 'REFUND_PENDING', { refundId: 'rf_1' }),
      ev(3, 2, 'REFUND_DUE', 'REFUND_PENDING', 'REFUND_PENDING', { refundId: 'rf_1', release }),
      ev(4, 0, 'REFUND_STARTED', 'REFUND_PENDING', 'REFUND_PENDING'),
      ev(5, 0, 'REFUND_APPLIED', 'REFUND_PENDING', 'REFUNDED', { refundId: 'rf_1' }),
    ];
    const paidLost = { ...aCase('REFUNDED', 5, paid), decision } as unknown as CaseRecord;
    expect(checkReturnLeg(snapshot(paidLost, lostHistory(true)), [ledgerEntry])).toMatchObject({
      ok: true,
      counts: { releasedLostInTransit: 1, releasedAfterGoods: 0 },
    });
    const neverShipped = checkReturnLeg(snapshot(paidLost, lostHistory(false)), [ledgerEntry]);
    expect(neverShipped.ok).toBe(false);
    expect(neverShipped.examples[0]).toContain('before its release condition');
  });

  it('names a payment that differs from the final decision’s refund', () => {
    const result = checkReturnLeg(snapshot(refunded, releasedHistory), [{ ...ledgerEntry, amount: 400 }]);
    expect(result.ok).toBe(false);
    expect(result.examples[0]).toContain("the final decision's refund is 500");
  });

  it('names a payment for a case closed as not returned', () => {
    const closedHistory = [
      ...releasedHistory.slice(0, 3),
      ev(2, 0, 'CLOSED_NOT_RETURNED', 'AWAITING_RETURN', 'CLOSED', { cancelledRefundId: 'rf_1' }),
    ];
    const closed = aCase('CLOSED', 2, { ...paid, status: 'CANCELLED', providerReference: undefined } as never);
    expect(checkReturnLeg(snapshot(closed, closedHistory), []).ok).toBe(true);
    const result = checkReturnLeg(snapshot(closed, closedHistory), [ledgerEntry]);
    expect(result.ok).toBe(false);
    expect(result.examples[0]).toContain('closed as not returned, but 500 was paid');
  });
});

describe('carrier claims and appeals (#19)', () => {
  const claimLine = { kind: 'CARRIER_CLAIM', amount: 900, currency: 'EUR', paidBy: 'CARRIER', bornBy: 'CARRIER', note: 'claim' } as const;
  const claim = { claimId: 'clm_1', state: 'TO_FILE', amount: 900, fileBy: '2027-01-01T00:00:00Z', warnAt: '2026-12-25T00:00:00Z' };
  const withClaim = (fields: Partial<CaseRecord>) =>
    ({ ...aCase('REFUNDED', 3), return: { money: { amountPaid: 1_000 } }, ...fields }) as unknown as CaseRecord;

  it('passes a claim equal to the carrier’s share, and an expired claim whose cost moved to the seller', () => {
    expect(checkCarrierClaimsAndAppeals(snapshot(withClaim({ ledger: [claimLine], carrierClaim: claim as never }), []), []).ok).toBe(true);
    const moved = { ...claimLine, paidBy: 'NONE', bornBy: 'SELLER' } as const;
    const expired = withClaim({ ledger: [moved], carrierClaim: { ...claim, state: 'EXPIRED' } as never });
    expect(checkCarrierClaimsAndAppeals(snapshot(expired, [ev(4, 0, 'CARRIER_CLAIM_EXPIRED', 'REFUNDED', 'REFUNDED')]), []).ok).toBe(true);
  });

  it('names carrier cost without a claim, a wrong amount, an expiry that left cost on the carrier, two appeals, a refund above the amount paid', () => {
    expect(checkCarrierClaimsAndAppeals(snapshot(withClaim({ ledger: [claimLine] }), []), []).examples.join()).toContain(
      'no claim is open',
    );
    expect(
      checkCarrierClaimsAndAppeals(
        snapshot(withClaim({ ledger: [claimLine], carrierClaim: { ...claim, amount: 800 } as never }), []),
        [],
      ).examples.join(),
    ).toContain('≠');
    const notMoved = withClaim({ ledger: [claimLine], carrierClaim: { ...claim, state: 'EXPIRED' } as never });
    expect(checkCarrierClaimsAndAppeals(snapshot(notMoved, []), []).examples.join()).toContain('still bears');
    const twice = [ev(4, 0, 'APPEAL_DECIDED', 'REFUNDED', 'REFUND_PENDING'), ev(6, 0, 'APPEAL_DECIDED', 'REFUNDED', 'REFUND_PENDING')];
    expect(checkCarrierClaimsAndAppeals(snapshot(withClaim({}), twice), []).examples.join()).toContain('2 appeals decided');
    // An appeal to 1,400 of a 1,000 payment; a top-up of 400 paid as 700.
    const appealed = withClaim({ appeal: { topUp: 400 } as never });
    const raised = [
      ev(4, 0, 'APPEAL_DECIDED', 'REFUNDED', 'REFUNDED', { amount: 1_400, amountPaid: 1_000, topUp: 400 }),
      ev(4, 1, 'REFUND_DUE', 'REFUNDED', 'REFUND_PENDING', { refundId: 'rf_top' }),
    ];
    expect(checkCarrierClaimsAndAppeals(snapshot(appealed, raised), []).examples.join()).toContain('above the 1000 paid');
    const within = [{ ...raised[0], details: { amount: 1_000, amountPaid: 1_000, topUp: 400 } }, raised[1]] as HistoryEvent[];
    const overpaid = [{ caseId, idempotencyKey: 'rf_top', amount: 700 }] as unknown as LedgerEntry[];
    expect(checkCarrierClaimsAndAppeals(snapshot(appealed, within), []).ok).toBe(true);
    expect(checkCarrierClaimsAndAppeals(snapshot(appealed, within), overpaid).examples.join()).toContain('top-up paid 700, above the 400');
  });
});

describe('outbound notifications (#21)', () => {
  const paid = [
    ev(1, 0, 'CASE_RECEIVED', null, 'RECEIVED'),
    ev(2, 0, 'REFUND_APPLIED', 'REFUND_PENDING', 'REFUNDED', { refundId: 'rf_1', amount: 100, currency: 'CNY' }),
  ];
  const told = { caseId, eventId: 'ntf_paid', type: 'refund.paid', state: 'DELIVERED', marketplace: 'm', caseVersion: 2 };
  const decided = { caseId, eventId: 'ntf_decided', type: 'case.decided', state: 'DELIVERED', marketplace: 'm', caseVersion: 1 };
  const receipt = (n: typeof told) => ({ webhookId: n.eventId, caseId, caseVersion: n.caseVersion, type: n.type, marketplace: 'm' });
  const counts = { duplicates: 0, badSignature: 0, badBody: 0, failed: 0, gone: 0 };
  const snap = (notifications: TableSnapshot['notifications']) => ({ ...snapshot(aCase('REFUNDED', 2), paid), notifications });

  it('passes when each payment was told and received once, in order', () => {
    const r = checkNotifications(snap([decided, told]), { received: [receipt(decided), receipt(told)], counts }, ['m']);
    expect(r.ok, r.examples.join('\n')).toBe(true);
  });

  it('names a payment never told, one told but never received, one out of order, one left pending, and one received but never committed', () => {
    expect(checkNotifications(snap([]), { received: [], counts }, ['m']).examples.join()).toContain(
      'no refund.paid notification committed',
    );
    expect(checkNotifications(snap([told]), { received: [], counts }, ['m']).examples.join()).toContain('never reached the receiver');
    expect(
      checkNotifications(snap([decided, told]), { received: [receipt(told), receipt(decided)], counts }, ['m']).examples.join(),
    ).toContain('arrived after a later change');
    expect(
      checkNotifications(snap([{ ...told, state: 'PENDING' }]), { received: [receipt(told)], counts }, ['m']).examples.join(),
    ).toContain('is PENDING');
    expect(
      checkNotifications(snap([told]), { received: [receipt(told), { ...receipt(told), webhookId: 'ntf_ghost' }], counts }, [
        'm',
      ]).examples.join(),
    ).toContain('that no change committed');
  });
});
