import { DAMAGE_REASONS, ruleKit, strength, toCarrier, type Rule } from '../rule.ts';

const meta = {
  id: 'packaging-damaged-product-unverified',
  version: '1.0.0',
  reasonCode: 'PACKAGING_DAMAGED',
  description: "For a damage claim, a damaged box points to the carrier even before the product's own state is documented (weakly).",
} as const;
const { notFired, fire } = ruleKit(meta);

export const packagingDamagedProductUnverified: Rule = {
  ...meta,
  evaluate(f) {
    if (f.packagingDamaged === 0 || f.productProblem > 0 || !DAMAGE_REASONS.has(f.facts.reason)) return notFired;
    const s = 0.5 * f.packagingDamaged;
    return fire(
      toCarrier(s),
      'The box arrived damaged; no photo of the product yet, so this points to transit damage only weakly.',
      strength(s, { missingEvidence: true }),
    );
  },
};
