import { ruleKit, strength, toCarrier, type Rule } from '../rule.ts';

const meta = {
  id: 'carrier-damage-scan',
  version: '1.0.0',
  reasonCode: 'TRANSIT_DAMAGE_SCANNED',
  description: "A damage exception scan is the carrier's own record of damage in its care: the carrier is at fault.",
} as const;
const { notFired, fire, contradictsBuyerReason } = ruleKit(meta);

export const carrierDamageScan: Rule = {
  ...meta,
  evaluate(f) {
    if (!f.scanDamage) return notFired;
    if (f.buyerDeclared) return contradictsBuyerReason(f, 'The carrier logged a damage exception scan');
    return fire(
      toCarrier(0.9),
      'The carrier logged a damage exception scan while the parcel was in its care: the carrier is responsible.',
      strength(0.9),
    );
  },
};
