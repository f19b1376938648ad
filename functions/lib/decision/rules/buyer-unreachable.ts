import { ruleKit, strength, toBuyer, type Rule } from '../rule.ts';

const meta = {
  id: 'buyer-unreachable',
  version: '1.1.0',
  reasonCode: 'BUYER_UNREACHABLE',
  description: "A parcel that failed because the buyer was away or unreachable is the buyer's fault.",
} as const;
const { notFired, fire } = ruleKit(meta);

export const buyerUnreachable: Rule = {
  ...meta,
  evaluate(f) {
    if (f.facts.reason === 'BUYER_UNAVAILABLE' && f.scanDelivered && !f.scanAttemptFailed) {
      return fire(
        toBuyer(0.5),
        'The buyer says they could not receive the parcel, yet the carrier scanned it delivered with no failed attempt: the account and the record disagree.',
        strength(0.5, { conflict: true, contradictoryEvidence: true }),
      );
    }
    if (f.facts.reason === 'BUYER_UNAVAILABLE') {
      const s = f.scanAttemptFailed ? 0.95 : 0.9;
      return fire(
        toBuyer(0.9),
        f.scanAttemptFailed
          ? "The buyer was away and the carrier logged a failed delivery attempt: the buyer's responsibility."
          : "The buyer was away and could not receive the parcel: the buyer's responsibility.",
        strength(s),
      );
    }
    if (f.buyerUnreachable === 0 || f.family !== 'LOGISTICS') return notFired;
    const s = 0.7 * f.buyerUnreachable;
    return fire(
      toBuyer(s),
      "The address check records that the buyer could not be reached: part of the delivery problem is the buyer's.",
      strength(s),
    );
  },
};
