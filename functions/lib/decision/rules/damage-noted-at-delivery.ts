import { ruleKit, strength, toCarrier, toSeller, type Rule } from '../rule.ts';

const meta = {
  id: 'damage-noted-at-delivery',
  version: '1.0.0',
  reasonCode: 'DAMAGE_NOTED_AT_HANDOVER',
  description:
    'Damage noted at the door happened before the buyer had the parcel: transit damage, or a pre-shipping defect when the box was intact.',
} as const;
const { notFired, fire, contradictsBuyerReason } = ruleKit(meta);

export const damageNotedAtDelivery: Rule = {
  ...meta,
  evaluate(f) {
    if (!f.damageNotedAtDelivery) return notFired;
    if (f.buyerDeclared) return contradictsBuyerReason(f, 'Damage was noted at delivery');
    if (f.packagingIntact > 0 && f.packagingDamaged === 0) {
      return fire(
        toSeller(0.6),
        'Damage was noted at delivery although the box was intact: the product was damaged before it was packed, so the seller is responsible.',
        strength(0.7),
      );
    }
    return fire(
      toCarrier(0.6),
      'Damage was noted at delivery, before the buyer had the parcel: this points to damage in transit.',
      strength(0.7),
    );
  },
};
