import { ruleKit, strength, toCarrier, type Rule } from '../rule.ts';

const meta = {
  id: 'delay-unverifiable',
  version: '1.0.0',
  reasonCode: 'DELAY_UNVERIFIABLE',
  description: 'A delay claim without a promised delivery date cannot be measured: weakly the carrier, and a person should check.',
} as const;
const { notFired, fire } = ruleKit(meta);

export const delayUnverifiable: Rule = {
  ...meta,
  evaluate(f) {
    if (f.facts.reason !== 'LOGISTICS_DELAYED' || f.promisedDeliveryKnown || f.shippedLate) return notFired;
    return fire(
      toCarrier(0.3),
      'The buyer reports a delay but no promised delivery date is on record, so the delay cannot be measured.',
      strength(0.3, { missingEvidence: true }),
    );
  },
};
