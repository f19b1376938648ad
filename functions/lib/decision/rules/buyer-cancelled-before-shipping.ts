import { NO_CONTRIBUTION, ruleKit, strength, type Rule } from '../rule.ts';

const meta = {
  id: 'buyer-cancelled-before-shipping',
  version: '2.0.0',
  reasonCode: 'BUYER_CANCELLED_BEFORE_SHIPPING',
  description:
    'A buyer cancelling before the parcel left used a right, not a fault: nobody is at fault, nothing was spent, so the refund is full.',
} as const;
const { notFired, fire } = ruleKit(meta);

export const buyerCancelledBeforeShipping: Rule = {
  ...meta,
  evaluate(f) {
    const reason = f.facts.reason;
    if ((reason !== 'BUYER_CANCEL_BEFORE_SHIPPING' && reason !== 'BUYER_CANCEL_AFTER_SHIPPING') || f.shipped) {
      return notFired;
    }
    const mismatch = reason === 'BUYER_CANCEL_AFTER_SHIPPING';
    return fire(
      NO_CONTRIBUTION,
      mismatch
        ? 'The buyer cancelled "after shipping", but no shipment is on record at the time of the claim: treated as a cancellation before shipping, which is nobody\'s fault.'
        : 'The buyer cancelled before the parcel left: a right, not a fault, so nobody is at fault; nothing was spent, so the refund is full.',
      strength(0.9, { conflict: mismatch, noFault: true }),
    );
  },
};
