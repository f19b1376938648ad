import { ruleKit, strength, toBuyer, type Rule } from '../rule.ts';

const meta = {
  id: 'buyer-address-change',
  version: '1.0.0',
  reasonCode: 'BUYER_CHANGED_ADDRESS',
  description: 'A buyer changing the delivery address after ordering bears any cost it causes.',
} as const;
const { notFired, fire } = ruleKit(meta);

export const buyerAddressChange: Rule = {
  ...meta,
  evaluate(f) {
    if (f.facts.reason !== 'BUYER_ADDRESS_CHANGE') return notFired;
    return fire(
      toBuyer(0.9),
      f.shipped
        ? "The buyer asked to change the address after the parcel left: any redirection or return cost is the buyer's."
        : 'The buyer asked to change the address before shipping: the seller updates it, nothing is owed.',
      strength(0.9),
    );
  },
};
