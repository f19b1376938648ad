import { ruleKit, strength, toSeller, type Rule } from '../rule.ts';

const meta = {
  id: 'functional-defect-shown',
  version: '1.0.0',
  reasonCode: 'PRODUCT_DEFECT_SHOWN',
  description:
    'A functional defect shown by a photo or an installer, with no sign of transit damage, is a product defect: the seller is at fault.',
} as const;
const { notFired, fire, contradictsBuyerReason } = ruleKit(meta);

export const functionalDefectShown: Rule = {
  ...meta,
  evaluate(f) {
    if (f.productDefective === 0 && f.installerDefect === 0) return notFired;
    // Packaging evidence or a damage scan lets the packaging and scan rules weigh transit damage instead.
    if (f.hasPackagingPhoto || f.scanDamage || f.damageNotedAtDelivery) return notFired;
    if (f.buyerDeclared) return contradictsBuyerReason(f, 'The product is shown to be defective');
    const s = 0.8 * Math.max(f.productDefective, 0.9 * f.installerDefect);
    return fire(
      toSeller(s),
      'The product is shown to be defective and nothing suggests damage in transit: a product defect, so the seller is responsible.',
      strength(s),
    );
  },
};
