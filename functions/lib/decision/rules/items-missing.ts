import { NO_CONTRIBUTION, ruleKit, strength, toSeller, type Rule } from '../rule.ts';

const meta = {
  id: 'items-missing',
  version: '1.0.0',
  reasonCode: 'ITEMS_MISSING',
  description: 'Items missing from a parcel that did not lose weight in transit were never packed: the seller is at fault.',
} as const;
const { notFired, fire, contradictsBuyerReason } = ruleKit(meta);

export const itemsMissing: Rule = {
  ...meta,
  evaluate(f) {
    if (f.facts.reason !== 'PRODUCT_MISSING_ITEMS' && f.productMissingParts === 0) return notFired;
    if (f.weightLost) {
      return fire(
        NO_CONTRIBUTION,
        'Items are missing, but the parcel lost weight in transit: the items went missing on the way, not at packing.',
      );
    }
    // Equal weights at both ends mean nothing left the parcel on the way.
    const weightsMatch = f.weightLossGrams !== undefined;
    if (f.productMissingParts > 0) {
      if (f.buyerDeclared) return contradictsBuyerReason(f, 'A photo shows parts missing');
      const s = (weightsMatch ? 0.9 : 0.85) * f.productMissingParts;
      return fire(
        toSeller(s),
        `A photo shows items missing${weightsMatch ? ' and the parcel weighed the same at pickup and delivery' : ''}: they were not packed, so the seller is responsible.`,
        strength(s),
      );
    }
    const s = weightsMatch ? 0.7 : 0.45;
    return fire(
      toSeller(s),
      weightsMatch
        ? 'The buyer reports items missing and the parcel weighed the same at both ends: they were not packed, so the seller is responsible.'
        : 'The buyer reports items missing; no photo or weight record confirms it yet.',
      strength(s, { missingEvidence: !weightsMatch }),
    );
  },
};
