import { ruleKit, strength, toBuyer, type Rule } from '../rule.ts';

const meta = {
  id: 'buyer-cancelled-after-shipping',
  version: '1.0.0',
  reasonCode: 'BUYER_CANCELLED_AFTER_SHIPPING',
  description: "A buyer cancelling after the parcel left is refunded minus the outbound shipping at the seller's own rate.",
} as const;
const { notFired, fire } = ruleKit(meta);

export const buyerCancelledAfterShipping: Rule = {
  ...meta,
  evaluate(f) {
    const reason = f.facts.reason;
    if ((reason !== 'BUYER_CANCEL_BEFORE_SHIPPING' && reason !== 'BUYER_CANCEL_AFTER_SHIPPING') || !f.shipped) {
      return notFired;
    }
    const mismatch = reason === 'BUYER_CANCEL_BEFORE_SHIPPING';
    return fire(
      toBuyer(0.9),
      mismatch
        ? 'The buyer cancelled "before shipping", but the parcel had already left when the claim arrived: refund minus the outbound shipping, and a person should confirm.'
        : 'The buyer cancelled after the parcel left: their own choice, so the refund is the amount paid minus the outbound shipping.',
      strength(0.9, { conflict: mismatch }),
    );
  },
};
