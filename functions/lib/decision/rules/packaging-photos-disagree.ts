import { NO_CONTRIBUTION, ruleKit, type Rule, type RuleSignals } from '../rule.ts';

const meta = {
  id: 'packaging-photos-disagree',
  version: '1.0.0',
  reasonCode: 'PACKAGING_EVIDENCE_CONFLICT',
  description: 'Photos of the same outer packaging disagree (intact in one, crushed, torn or wet in another): a person must weigh them.',
} as const;
const { notFired, fire } = ruleKit(meta);
const SIGNALS: RuleSignals = Object.freeze({ conflict: true, contradictoryEvidence: true });

export const packagingPhotosDisagree: Rule = {
  ...meta,
  evaluate(f) {
    if (f.packagingIntact === 0 || f.packagingDamaged === 0) return notFired;
    return fire(
      NO_CONTRIBUTION,
      'One photo shows the outer packaging intact and another shows it damaged: the evidence contradicts itself, so no weight is added and a person decides.',
      SIGNALS,
    );
  },
};
