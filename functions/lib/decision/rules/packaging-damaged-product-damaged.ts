import { ruleKit, strength, toCarrier, type Rule } from '../rule.ts';

const meta = {
  id: 'packaging-damaged-product-damaged',
  version: '1.0.0',
  reasonCode: 'TRANSIT_DAMAGE',
  description: 'Crushed, torn or wet packaging around a damaged product means it was damaged in transit: the carrier is at fault.',
} as const;
const { notFired, fire, contradictsBuyerReason } = ruleKit(meta);

export const packagingDamagedProductDamaged: Rule = {
  ...meta,
  evaluate(f) {
    if (f.packagingDamaged === 0 || f.productProblem === 0) return notFired;
    if (f.buyerDeclared) return contradictsBuyerReason(f, 'The packaging and the product were both damaged');
    const s = 0.9 * Math.min(f.packagingDamaged, f.productProblem);
    const mixed = f.packagingIntact > 0;
    return fire(
      toCarrier(s),
      mixed
        ? 'One packaging photo shows damage and another shows it intact; with a damaged product this points to transit damage, but the photos disagree.'
        : 'The packaging is damaged and so is the product: it was damaged in transit, so the carrier is responsible (the seller recovers by a carrier claim).',
      strength(s, { conflict: mixed }),
    );
  },
};
