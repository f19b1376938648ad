import { CONFLICT, DAMAGE_REASONS, NO_CONTRIBUTION, ruleKit, type Rule } from '../rule.ts';

const meta = {
  id: 'product-photo-shows-no-problem',
  version: '1.0.0',
  reasonCode: 'PHOTO_SHOWS_NO_PROBLEM',
  description:
    'A photo showing the product fine contradicts a product or damage claim; it lowers confidence rather than deciding against the buyer.',
} as const;
const { notFired, fire } = ruleKit(meta);

export const productPhotoShowsNoProblem: Rule = {
  ...meta,
  evaluate(f) {
    if (f.productFine === 0) return notFired;
    if (f.family !== 'PRODUCT' && !DAMAGE_REASONS.has(f.facts.reason)) return notFired;
    return fire(
      NO_CONTRIBUTION,
      'A product photo shows the item without a problem, which contradicts the claim: a person should compare the photos.',
      CONFLICT,
    );
  },
};
