import { ruleKit, strength, toBuyer, type Rule } from '../rule.ts';

const meta = {
  id: 'buyer-wrong-address',
  version: '1.0.0',
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
        strength(0.9, { conflict: disputed }),
      );
    }
    // Evidence alone counts only where a delivery problem is claimed.
    if (f.addressWrong === 0 || f.family !== 'LOGISTICS') return notFired;
    const s = 0.8 * f.addressWrong;
    return fire(
      toBuyer(s),
      "The address check shows the address the buyer gave was wrong: the delivery problem is the buyer's responsibility.",
      strength(s),
    );
  },
};
