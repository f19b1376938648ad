import { ruleKit, strength, toCarrier, type Rule } from '../rule.ts';

const meta = {
  id: 'parcel-silence-lost',
  version: '1.0.0',
  reasonCode: 'PARCEL_LOST_BY_SILENCE',
  description:
    "A shipped parcel with no scan for far longer than its route's transit time (the policy's silence days) is lost, even without a LOST scan: the carrier's fault.",
} as const;
const { notFired, fire, contradictsBuyerReason } = ruleKit(meta);

export const parcelSilenceLost: Rule = {
  ...meta,
  evaluate(f, policy) {
    if (!f.parcelSilent || f.scanReturnedToSender) return notFired;
    const limit = policy.parcelSilence.lostAfterDays[f.facts.shippingRegion];
    const text = `No carrier scan for ${f.silentDays} days and no delivery (the ${f.facts.shippingRegion} route's limit is ${limit} days)`;
    if (f.buyerDeclared) return contradictsBuyerReason(f, text);
    return fire(
      toCarrier(0.9),
      `${text}: the parcel is lost in the carrier's hands; the buyer is made whole now and the cost recovered by a carrier claim.`,
      strength(0.9),
    );
  },
};
