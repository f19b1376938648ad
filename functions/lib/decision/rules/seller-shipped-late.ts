import { ruleKit, strength, toSeller, type Rule } from '../rule.ts';

const meta = {
  id: 'seller-shipped-late',
  version: '1.0.0',
  reasonCode: 'SELLER_SHIPPED_LATE',
  description:
    "A delay caused by the seller handing the parcel over after its promised ship-by time is the seller's fault, not the carrier's.",
} as const;
const { notFired, fire } = ruleKit(meta);

export const sellerShippedLate: Rule = {
  ...meta,
  evaluate(f) {
    if (f.facts.reason !== 'LOGISTICS_DELAYED' || !f.shippedLate) return notFired;
    // Shipped late but still delivered on time harmed nobody: delivered-on-time handles that.
    if (f.promisedDeliveryKnown && !f.deliveredLate) return notFired;
    const strong = f.promisedDeliveryKnown;
    return fire(
      toSeller(strong ? 0.9 : 0.7),
      "The seller handed the parcel to the carrier after the promised ship-by time: the delay is the seller's fault.",
      strength(strong ? 0.9 : 0.7),
    );
  },
};
