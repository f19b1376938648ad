import { NO_CONTRIBUTION, ruleKit, strength, toSeller, type Rule, type RuleSignals } from '../rule.ts';

const meta = {
  id: 'wrong-carrier-used',
  version: '2.0.0',
  reasonCode: 'WRONG_CARRIER_BY_SELLER',
  description:
    "A seller that used a carrier the buyer or listing did not agree to answers for that carrier: its delay, damage or loss is the seller's to bear.",
} as const;
const ANSWERS: RuleSignals = Object.freeze({ evidenceStrength: 0.85, sellerAnswersForCarrier: true });
const { notFired, fire } = ruleKit(meta);

export const wrongCarrierUsed: Rule = {
  ...meta,
  evaluate(f) {
    const flagged = f.facts.carrier.notTheAgreedCarrier;
    if (f.facts.reason === 'LOGISTICS_WRONG_CARRIER') {
      return flagged
        ? fire(toSeller(0.85), 'The seller shipped with a carrier that was not the agreed one: the seller is responsible.', ANSWERS)
        : fire(
            toSeller(0.45),
            'The buyer reports that the seller used the wrong carrier, but the shipment record does not confirm it.',
            strength(0.45, { missingEvidence: true }),
          );
    }
    if (!flagged || f.buyerDeclared) return notFired;
    const logistics = f.family === 'LOGISTICS';
    return fire(
      logistics ? toSeller(0.6) : NO_CONTRIBUTION,
      "The seller chose a carrier that was not the agreed one: whatever that carrier caused (delay, damage, loss) is the seller's to bear, so any carrier share moves to the seller.",
      ANSWERS,
    );
  },
};
