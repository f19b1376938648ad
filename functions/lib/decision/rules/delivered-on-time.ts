import { NO_CONTRIBUTION, ruleKit, type Rule, type RuleSignals } from '../rule.ts';

const meta = {
  id: 'delivered-on-time',
  version: '1.0.0',
  reasonCode: 'DELIVERED_ON_TIME',
  description: 'A delay claim when the parcel arrived (or is still due) within the promised time: nobody is at fault.',
} as const;
const { notFired, fire } = ruleKit(meta);
const SIGNALS: RuleSignals = Object.freeze({ noFault: true, evidenceStrength: 0.8 });

export const deliveredOnTime: Rule = {
  ...meta,
  evaluate(f) {
    if (f.facts.reason !== 'LOGISTICS_DELAYED' || !f.promisedDeliveryKnown || f.deliveredLate) return notFired;
    return fire(
      NO_CONTRIBUTION,
      f.delivered
        ? 'The parcel was delivered within the promised time: there was no delay to compensate.'
        : 'The promised delivery date has not passed yet: the parcel is not late.',
      SIGNALS,
    );
  },
};
