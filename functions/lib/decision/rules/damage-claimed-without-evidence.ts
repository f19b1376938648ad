import { DAMAGE_REASONS, ruleKit, strength, toCarrier, toSeller, type Rule } from '../rule.ts';

const meta = {
  id: 'damage-claimed-without-evidence',
  version: '1.0.0',
  reasonCode: 'CLAIM_WITHOUT_EVIDENCE',
  description:
    "A damage or defect claim with no photo, scan or report: the buyer's word counts a little, and the missing evidence sends the case to a person.",
} as const;
const { notFired, fire } = ruleKit(meta);

export const damageClaimedWithoutEvidence: Rule = {
  ...meta,
  evaluate(f) {
    const reason = f.facts.reason;
    if (!DAMAGE_REASONS.has(reason) || f.productProblem > 0 || f.scanDamage || f.damageNotedAtDelivery) return notFired;
    const transit = reason === 'LOGISTICS_DAMAGED_IN_TRANSIT';
    return fire(
      transit ? toCarrier(0.3) : toSeller(0.3),
      `The buyer reports ${transit ? 'damage in transit' : 'a defect'} but no photo, scan or report shows it yet: a weak indication, not enough to decide alone.`,
      strength(0.3, { missingEvidence: true }),
    );
  },
};
