import { ruleKit, strength, toCarrier, type Rule } from '../rule.ts';

const meta = {
  id: 'lost-claim-contradicted-by-delivery',
  version: '1.0.0',
  reasonCode: 'DELIVERED_BUT_NOT_RECEIVED',
  description:
    'A parcel recorded as delivered that the buyer says never arrived: the carrier must prove the handover, and a person decides.',
} as const;
const { notFired, fire } = ruleKit(meta);

export const lostClaimContradictedByDelivery: Rule = {
  ...meta,
  evaluate(f) {
    if (f.facts.reason !== 'LOGISTICS_LOST' || !f.delivered || f.scanLost) return notFired;
    return fire(
      toCarrier(0.3),
      'The parcel is recorded as delivered but the buyer says it never arrived: the carrier must show proof of delivery; a person should decide.',
      strength(0.3, { conflict: true }),
    );
  },
};
