import { ruleKit, strength, toSeller, type Rule } from '../rule.ts';

const meta = {
  id: 'packaging-intact-product-damaged',
  version: '1.0.0',
  reasonCode: 'DEFECT_BEFORE_SHIPPING',
  description: 'Intact packaging around a damaged or defective product means the problem existed before shipping: the seller is at fault.',
} as const;
const { notFired, fire, contradictsBuyerReason } = ruleKit(meta);

export const packagingIntactProductDamaged: Rule = {
  ...meta,
  evaluate(f) {
    if (f.packagingIntact === 0 || f.packagingDamaged > 0 || f.productProblem === 0) return notFired;
    if (f.buyerDeclared) return contradictsBuyerReason(f, 'The packaging was intact and the product damaged');
    const s = 0.9 * Math.min(f.packagingIntact, f.productProblem);
    return fire(
      toSeller(s),
      f.scanDamage
        ? 'The packaging was intact while the product is damaged, which points to the seller, but the carrier also logged a damage scan: conflicting evidence.'
        : 'The packaging was intact while the product is damaged or defective: the problem existed before shipping, so the seller is responsible.',
      strength(s, { conflict: f.scanDamage }),
    );
  },
};
