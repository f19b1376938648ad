import { ruleKit, strength, toCarrier, type Rule } from '../rule.ts';

const meta = {
  id: 'weight-lost-in-transit',
  version: '1.0.0',
  reasonCode: 'WEIGHT_LOST_IN_TRANSIT',
  description: 'A parcel lighter at delivery than at pickup (beyond scale tolerance) lost contents in transit: the carrier is at fault.',
} as const;
const { notFired, fire, contradictsBuyerReason } = ruleKit(meta);

export const weightLostInTransit: Rule = {
  ...meta,
  evaluate(f) {
    if (!f.weightLost) return notFired;
    const text = `The parcel weighed ${f.weightLossGrams} g less at delivery than at pickup`;
    if (f.buyerDeclared) return contradictsBuyerReason(f, text);
    return fire(toCarrier(0.85), `${text}: contents were lost in transit, so the carrier is responsible.`, strength(0.85));
  },
};
