import { ruleKit, strength, toBuyer, type Rule } from '../rule.ts';

const meta = {
  id: 'buyer-wrong-address',
  version: '1.1.0',
  reasonCode: 'BUYER_WRONG_ADDRESS',
  description: "A parcel that failed because the buyer gave a wrong address is the buyer's fault.",
} as const;
const { notFired, fire } = ruleKit(meta);

export const buyerWrongAddress: Rule = {
  ...meta,
  evaluate(f) {
    if (f.facts.reason === 'BUYER_WRONG_ADDRESS') {
      const disputed = f.addressCorrect > 0;
      return fire(
        toBuyer(0.9),
        disputed
          ? 'The buyer says they gave a wrong address, yet the address check found it correct: a person should check.'
          : "The buyer gave a wrong address: the failed delivery is the buyer's responsibility.",
        strength(0.9, { conflict: disputed, contradictoryEvidence: disputed }),
      );
    }
    // Evidence alone counts only where a delivery problem is claimed.
    if (f.addressWrong === 0 || f.family !== 'LOGISTICS') return notFired;
    const disputed = f.addressCorrect > 0;
    // The carrier's own failed attempt or return to sender corroborates its address report.
    const confirmed = !disputed && (f.scanAttemptFailed || f.scanReturnedToSender);
    const s = confirmed ? 0.9 : 0.8 * f.addressWrong;
    return fire(
      toBuyer(s),
      disputed
        ? 'One address check says the address the buyer gave was wrong, another that it was correct: a person should check.'
        : confirmed
          ? "The address the buyer gave was wrong, and the carrier's own scans (failed attempt or return to sender) confirm it: the delivery problem is the buyer's responsibility and the extra shipping is deducted."
          : "The address check shows the address the buyer gave was wrong: the delivery problem is the buyer's responsibility.",
      strength(s, { conflict: disputed, contradictoryEvidence: disputed }),
    );
  },
};
