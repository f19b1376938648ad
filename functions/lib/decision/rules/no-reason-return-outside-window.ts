import { ruleKit, strength, toBuyer, type Rule } from '../rule.ts';

const meta = {
  id: 'no-reason-return-outside-window',
  version: '1.0.0',
  reasonCode: 'NO_REASON_RETURN_OUT_OF_WINDOW',
  description: 'A no-reason return after the return window has closed is refused: the buyer bears it.',
} as const;
const { notFired, fire } = ruleKit(meta);

export const noReasonReturnOutsideWindow: Rule = {
  ...meta,
  evaluate(f) {
    if (f.facts.reason !== 'BUYER_NO_REASON_RETURN' || f.windowPosition !== 'OUTSIDE') return notFired;
    return fire(
      toBuyer(0.95),
      `No-reason return ${Math.floor(f.daysFromDeliveryToClaim ?? 0)} days after delivery, after the ${f.returnWindowDays}-day window closed: the return is refused.`,
      strength(0.95),
    );
  },
};
