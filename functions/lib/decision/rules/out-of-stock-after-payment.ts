import { ruleKit, strength, toSeller, type Rule } from '../rule.ts';

const meta = {
  id: 'out-of-stock-after-payment',
  version: '1.0.0',
  reasonCode: 'SELLER_OUT_OF_STOCK',
  description: 'A seller that took payment for goods it cannot ship is at fault; the buyer gets a full refund.',
} as const;
const { notFired, fire } = ruleKit(meta);

export const outOfStockAfterPayment: Rule = {
  ...meta,
  evaluate(f) {
    if (f.facts.reason !== 'PRODUCT_OUT_OF_STOCK') return notFired;
    // A shipment on record contradicts "out of stock": still the seller's error, but a person should look.
    return fire(
      toSeller(0.9),
      f.shipped
        ? 'The seller reported the item out of stock after payment, yet a shipment is on record: the seller is at fault, but the record should be checked.'
        : 'The seller took payment and then could not supply the item: the seller is at fault and the buyer is refunded in full.',
      strength(0.9, { conflict: f.shipped }),
    );
  },
};
