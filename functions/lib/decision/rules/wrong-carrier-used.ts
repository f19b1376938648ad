import { ruleKit, strength, toSeller, type Rule } from '../rule.ts';

const meta = {
  id: 'wrong-carrier-used',
  version: '1.0.0',
  reasonCode: 'WRONG_CARRIER_BY_SELLER',
  description: 'A seller that used a carrier the buyer or listing did not agree to answers for the logistics problems that follow.',
} as const;
const { notFired, fire } = ruleKit(meta);

export const wrongCarrierUsed: Rule = {
  ...meta,
  evaluate(f) {
    const flagged = f.facts.carrier.notTheAgreedCarrier;
    if (f.facts.reason === 'LOGISTICS_WRONG_CARRIER') {
      return flagged
        ? fire(toSeller(0.85), 'The seller shipped with a carrier that was not the agreed one: the seller is responsible.', strength(0.85))
        : fire(
            toSeller(0.45),
            'The buyer reports that the seller used the wrong carrier, but the shipment record does not confirm it.',
            strength(0.45, { missingEvidence: true }),
          );
    }
    if (!flagged || f.family !== 'LOGISTICS') return notFired;
    return fire(
      toSeller(0.6),
      'The seller chose a carrier that was not the agreed one, so it shares responsibility for this logistics problem.',
      strength(0.7),
    );
  },
};
