import { NO_CONTRIBUTION, ruleKit, type Rule, type RuleSignals } from '../rule.ts';

const meta = {
  id: 'buyer-history-risk',
  version: '1.0.0',
  reasonCode: 'BUYER_HISTORY_RISK',
  description: 'A high claim rate or prior abuse is a risk signal that lowers confidence; it is never a verdict.',
} as const;
const { notFired, fire } = ruleKit(meta);
const RISK: RuleSignals = Object.freeze({ risk: true });

export const buyerHistoryRisk: Rule = {
  ...meta,
  evaluate(f, policy) {
    if (!f.buyerHighClaimRate && !f.buyerPriorAbuse) return notFired;
    const why = f.buyerPriorAbuse
      ? 'prior abuse on record'
      : `a claim rate at or above ${Math.round(policy.risk.highBuyerClaimRate * 100)}%`;
    return fire(NO_CONTRIBUTION, `The buyer's history shows ${why}: confidence is lowered, fault is not moved.`, RISK);
  },
};
