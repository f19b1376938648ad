import { describe, expect, it } from 'vitest';
import { outboundEventOf } from '#lib/adapters/standard-webhook-channel.ts';
import { OutboundEventSchema } from '#lib/contract/outbound-events.ts';
import { defaultPolicy } from '#lib/decision/policy.ts';
import type { CaseRecord, HistoryEvent } from '#lib/workflow/case.ts';
import { ESCALATION_ACTOR } from '#lib/workflow/escalation.ts';
import { explain, localeFor } from '#lib/workflow/notification-text.ts';
import { type Notification, type NotificationData, notificationId, notificationsFor, subjectOf } from '#lib/workflow/notifications.ts';
import { approveDecision, overrideDecision, type StaffActionContext } from '#lib/workflow/staff-actions.ts';
import { notificationBackoffSeconds } from '#lib/wiring/notifications.ts';
import { newCaseCommit } from '#test/support/case-factory.ts';

/** What each write owes the marketplace (#21), as a pure function of the write. */

const now = '2026-11-07T10:00:00.000Z';
const ctx = (role: 'agent' | 'supervisor' | 'manager'): StaffActionContext => ({
  now,
  actor: { kind: 'STAFF', id: `${role}-1`, role },
  role,
  policy: defaultPolicy,
});
const types = (ns: readonly Notification[]) => ns.map((n) => n.type);
const owed = (c: CaseRecord, events: readonly HistoryEvent[]) => notificationsFor(subjectOf(c), c, events);

const event = (
  c: CaseRecord,
  action: string,
  from: HistoryEvent['fromStatus'],
  to: HistoryEvent['toStatus'],
  details = {},
): HistoryEvent => ({
  caseId: c.caseId,
  version: c.version,
  seq: 0,
  at: now,
  actor: ESCALATION_ACTOR,
  action,
  fromStatus: from,
  toStatus: to,
  details,
});

describe('notificationsFor', () => {
  it('intake that waits for staff: in review, with the answer-by date; nothing decided yet', () => {
    const { next, events } = newCaseCommit({ shape: 'AWAITING_APPROVAL' });
    const ns = owed(next, events);
    expect(types(ns)).toEqual(['case.in_review']);
    expect(ns[0]?.data).toEqual({ type: 'case.in_review', status: 'DECIDED', answerBy: next.dueAt });
  });

  it('intake decided and held for the goods: decided (refund, ship-by date) and waiting on the buyer', () => {
    const { next, events } = newCaseCommit({ shape: 'AWAITING_RETURN' });
    const ns = owed(next, events);
    expect(types(ns)).toEqual(['case.decided', 'case.waiting_on_buyer']);
    expect(ns[0]?.data).toMatchObject({
      remedy: 'RETURN_AND_REFUND',
      decidedBy: 'ENGINE',
      refund: { amount: 39_900, currency: 'CNY' },
      shipBy: next.returnLeg?.shipBy,
    });
    // Stable ids, and no personal data in the committed notification.
    expect(ns.map((n) => n.eventId)).toEqual([
      notificationId(next.caseId, 1, 'case.decided'),
      notificationId(next.caseId, 1, 'case.waiting_on_buyer'),
    ]);
    expect(JSON.stringify(ns)).not.toContain(next.return.buyerRef);
  });

  it('a staff approval or override is a decision; a note or any other write owes nothing', () => {
    const { next: c } = newCaseCommit({ shape: 'AWAITING_APPROVAL' });
    const approved = approveDecision(c, ctx('manager'));
    expect(types(owed(approved.next, approved.events))).toContain('case.decided');
    expect(owed(approved.next, approved.events).find((n) => n.type === 'case.decided')?.data).toMatchObject({ decidedBy: 'STAFF' });
    const rejected = overrideDecision(c, ctx('supervisor'), { remedy: 'REJECT', reason: 'outside the return window' });
    const decided = owed(rejected.next, rejected.events).find((n) => n.type === 'case.decided');
    expect(decided?.data).toMatchObject({ remedy: 'REJECT', decidedBy: 'STAFF' });
    expect(decided?.data).not.toHaveProperty('refund');
    expect(owed(c, [event(c, 'NOTE_ADDED', 'DECIDED', 'DECIDED')])).toEqual([]);
  });

  it('escalation, refunds, the return leg and closing each owe their own type; at most one of a type per write', () => {
    const { next: c } = newCaseCommit({ shape: 'AWAITING_APPROVAL' });
    expect(types(owed({ ...c, escalationLevel: 'SUPERVISOR' }, [event(c, 'ESCALATED', 'DECIDED', 'DECIDED')]))).toEqual(['case.escalated']);
    const refund = { refundId: 'rf_1', amount: 100, currency: 'CNY' };
    expect(
      types(
        owed(c, [
          event(c, 'REFUND_RELEASED', 'AWAITING_RETURN', 'REFUND_PENDING', refund),
          event(c, 'REFUND_DUE', 'REFUND_PENDING', 'REFUND_PENDING', refund),
        ]),
      ),
    ).toEqual(['refund.released']);
    expect(owed(c, [event(c, 'REFUND_APPLIED', 'REFUND_PENDING', 'REFUNDED', refund)])[0]?.data).toEqual({
      type: 'refund.paid',
      ...refund,
    });
    expect(
      types(
        owed(c, [
          event(c, 'RETURN_LEG_RECORDED', 'AWAITING_RETURN', 'AWAITING_RETURN', {
            receivedAt: now,
            inspection: { outcome: 'AS_DESCRIBED', inspectedAt: now },
          }),
        ]),
      ),
    ).toEqual(['return.received', 'return.inspected']);
    expect(types(owed(c, [event(c, 'RETURN_LEG_RECORDED', 'AWAITING_RETURN', 'AWAITING_RETURN', { scans: 1 })]))).toEqual([]);
    expect(owed(c, [event(c, 'CLOSED_NOT_RETURNED', 'AWAITING_RETURN', 'CLOSED')])[0]?.data).toEqual({
      type: 'case.closed',
      status: 'CLOSED',
      reason: 'CLOSED_NOT_RETURNED',
    });
    expect(types(owed(c, [event(c, 'RETURN_CANCELLED', 'DECIDED', 'CANCELLED')]))).toEqual(['case.closed']);
    expect(types(owed(c, [event(c, 'RETURN_REMINDER_SENT', 'AWAITING_RETURN', 'AWAITING_RETURN')]))).toEqual(['case.waiting_on_buyer']);
  });
});

describe('the words', () => {
  const decided: NotificationData = {
    type: 'case.decided',
    status: 'AWAITING_RETURN',
    remedy: 'RETURN_AND_REFUND',
    decidedBy: 'ENGINE',
    refund: { amount: 39_900, currency: 'CNY' },
    returnShippingPaidBy: 'SELLER',
    shipBy: '2026-11-21T09:00:00.000Z',
  };

  it('say the outcome and the next step with its date, in English and Simplified Chinese', () => {
    expect(explain({ data: decided }, 'en')).toEqual({
      locale: 'en',
      outcome: 'Your request was decided: a refund of CNY 399.00 once the item is returned. Return shipping is paid by the seller.',
      nextStep: 'Ship the item back by the date given; your refund follows when it arrives.',
      nextStepBy: '2026-11-21T09:00:00.000Z',
    });
    expect(explain({ data: decided }, 'zh-CN')).toMatchObject({
      locale: 'zh-CN',
      outcome: '您的申请已处理：退货后退款，金额 CNY 399.00。退货运费由卖家承担。',
      nextStepBy: '2026-11-21T09:00:00.000Z',
    });
  });

  it('pick the return’s language when supported, else the marketplace’s default, else English', () => {
    expect(localeFor('zh-Hans-CN', 'en')).toBe('zh-CN');
    expect(localeFor('en-GB', 'zh-CN')).toBe('en');
    expect(localeFor('de-DE', 'zh-CN')).toBe('zh-CN');
    expect(localeFor(undefined, undefined)).toBe('en');
  });

  it('every type has words in both locales, and the wire body matches the published schema', () => {
    const { next, events } = newCaseCommit({ shape: 'AWAITING_RETURN' });
    const samples: NotificationData[] = [
      decided,
      { type: 'case.in_review', status: 'NEEDS_REVIEW', answerBy: now },
      { type: 'case.escalated', level: 'SUPERVISOR', answerBy: now },
      { type: 'case.waiting_on_buyer', reason: 'RETURN_REMINDER', shipBy: now },
      { type: 'refund.released', refundId: 'rf_1', amount: 100, currency: 'JPY' },
      { type: 'refund.paid', refundId: 'rf_1', amount: 100, currency: 'KWD' },
      { type: 'return.received', receivedAt: now },
      { type: 'return.inspected', outcome: 'AS_DESCRIBED', inspectedAt: now },
      { type: 'case.closed', status: 'CANCELLED', reason: 'RETURN_CANCELLED' },
    ];
    const [base] = owed(next, events);
    if (base === undefined) throw new Error('no notification');
    for (const data of samples) {
      for (const locale of ['en', 'zh-CN'] as const) {
        const words = explain({ data }, locale);
        expect(words.outcome.length).toBeGreaterThan(5);
        const body = outboundEventOf({ ...base, type: data.type, data }, words);
        expect(OutboundEventSchema.safeParse(body).success, JSON.stringify(body)).toBe(true);
      }
    }
  });
});

describe('retry backoff', () => {
  it('doubles from the base per try, capped at 15 minutes', () => {
    const backoff = notificationBackoffSeconds();
    expect([1, 2, 3, 4, 7, 8, 20].map(backoff)).toEqual([10, 20, 40, 80, 640, 900, 900]);
  });
});
