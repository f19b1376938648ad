import { NO_CONTRIBUTION, ruleKit, type Rule, type RuleSignals } from '../rule.ts';

const meta = {
  id: 'no-reason-return-inside-window',
  version: '1.0.0',
  reasonCode: 'NO_REASON_RETURN_IN_WINDOW',
  description:
    "A no-reason return inside the return window (the policy default or the longer window the listing promised) is nobody's fault.",
} as const;
const { notFired, fire } = ruleKit(meta);
const DELIVERED: RuleSignals = Object.freeze({ noFault: true, evidenceStrength: 0.95 });
const UNDELIVERED: RuleSignals = Object.freeze({ noFault: true, evidenceStrength: 0.75 });

export const noReasonReturnInsideWindow: Rule = {
  ...meta,
  evaluate(f) {
    if (f.facts.reason !== 'BUYER_NO_REASON_RETURN' || f.windowPosition === 'OUTSIDE') return notFired;
    if (f.windowPosition === 'NOT_DELIVERED') {
      return fire(
        NO_CONTRIBUTION,
        'No-reason return before delivery is on record: the window has not even started, so nobody is at fault.',
        UNDELIVERED,
      );
    }
    return fire(
      NO_CONTRIBUTION,
      `No-reason return ${Math.floor(f.daysFromDeliveryToClaim ?? 0)} days after delivery, inside the ${f.returnWindowDays}-day window: nobody is at fault.`,
      DELIVERED,
    );
  },
};
