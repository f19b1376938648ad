import { round4, ruleKit, strength, type Rule } from '../rule.ts';

const meta = {
  id: 'damage-origin-unknown',
  version: '1.0.0',
  reasonCode: 'DAMAGE_ORIGIN_UNKNOWN',
  description:
    'Physical damage with no packaging photo, scan or door inspection: seller or carrier, unknown which; the seller answers to the buyer and can check with its carrier.',
} as const;
const { notFired, fire, contradictsBuyerReason } = ruleKit(meta);

export const damageOriginUnknown: Rule = {
  ...meta,
  evaluate(f) {
    if (f.productDamaged === 0 || f.productDefective > 0 || f.installerDefect > 0) return notFired;
    if (f.hasPackagingPhoto || f.scanDamage || f.damageNotedAtDelivery) return notFired;
    if (f.buyerDeclared) return contradictsBuyerReason(f, 'The product photo shows damage');
    const s = f.productDamaged;
    // The buyer is never asked to prove which of the two it was: the split stays between them.
    return fire(
      { carrier: round4(0.2 * s), seller: round4(0.3 * s), buyer: 0 },
      'The product is damaged but nothing shows whether the box was damaged in transit: seller or carrier; the seller answers to the buyer and can check with its carrier.',
      strength(0.5 * s),
    );
  },
};
