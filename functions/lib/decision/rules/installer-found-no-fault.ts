import { DAMAGE_REASONS, NO_CONTRIBUTION, ruleKit, type Rule, type RuleSignals } from '../rule.ts';

const meta = {
  id: 'installer-found-no-fault',
  version: '1.0.0',
  reasonCode: 'INSTALLER_FOUND_NO_FAULT',
  description:
    "An installer finding no fault is a witness statement: it never overrides the buyer's right to return a defective item, but it disagrees with the claim.",
} as const;
const { notFired, fire } = ruleKit(meta);
const SIGNALS: RuleSignals = Object.freeze({ conflict: true, witness: true });

export const installerFoundNoFault: Rule = {
  ...meta,
  evaluate(f) {
    if (f.installerNoFault === 0) return notFired;
    if (f.productProblem === 0 && !DAMAGE_REASONS.has(f.facts.reason)) return notFired;
    return fire(
      NO_CONTRIBUTION,
      "The installer found no fault; as a witness this cannot override the buyer's right to return a defective item, but it disagrees with the claim.",
      SIGNALS,
    );
  },
};
