import { ruleKit, strength, toCarrier, type Rule } from '../rule.ts';

const meta = {
  id: 'courier-misconduct',
  version: '1.0.0',
  reasonCode: 'COURIER_MISCONDUCT',
  description: "Courier misconduct (refusing inspection, leaving parcels unattended, rudeness) is the carrier's fault.",
} as const;
const { notFired, fire } = ruleKit(meta);

export const courierMisconduct: Rule = {
  ...meta,
  evaluate(f) {
    if (f.facts.reason !== 'LOGISTICS_COURIER_MISCONDUCT') return notFired;
    if (f.facts.deliveryInspection === 'NOT_ALLOWED_BY_COURIER') {
      return fire(
        toCarrier(0.8),
        'The courier refused the buyer an inspection at the door, as the delivery record confirms: the carrier is responsible.',
        strength(0.8),
      );
    }
    return fire(
      toCarrier(0.55),
      "The buyer reports courier misconduct; the carrier is responsible if confirmed, the buyer's report alone is moderate evidence.",
      strength(0.55),
    );
  },
};
