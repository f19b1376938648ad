import { NO_CONTRIBUTION, ruleKit, type Rule, type RuleSignals } from '../rule.ts';

const meta = {
  id: 'safety-hazard-urgent',
  version: '1.0.0',
  reasonCode: 'SAFETY_HAZARD',
  description:
    'A reported safety hazard (water leak, electric shock, fire risk) makes the case urgent; it does not by itself say who is at fault.',
} as const;
const { notFired, fire } = ruleKit(meta);
const URGENT: RuleSignals = Object.freeze({ urgent: true });

const hazardText = { WATER_LEAK: 'a water leak', ELECTRIC_SHOCK: 'an electric shock risk', FIRE_RISK: 'a fire risk' } as const;

/** Triage first: a hazard changes how fast the buyer must hear back, not who pays. */
export const safetyHazardUrgent: Rule = {
  ...meta,
  evaluate(f, policy) {
    const hazard = f.facts.safetyHazard;
    if (hazard === 'NONE') return notFired;
    return fire(
      NO_CONTRIBUTION,
      `The buyer reports ${hazardText[hazard]}: urgent priority, first answer within ${policy.serviceLevels.firstResponseMinutes.URGENT} minutes.`,
      URGENT,
    );
  },
};
