import { ruleKit, strength, toBuyer, type Rule } from '../rule.ts';

const meta = {
  id: 'presale-advice-accurate',
  version: '1.0.0',
  reasonCode: 'PRESALE_ADVICE_ACCURATE',
  description: 'A pre-sale chat showing accurate advice contradicts a misleading-advice or size claim and moves weight to the buyer.',
} as const;
const { notFired, fire } = ruleKit(meta);

export const presaleAdviceAccurate: Rule = {
  ...meta,
  evaluate(f) {
    const reason = f.facts.reason;
    if (f.adviceAccurate === 0 || (reason !== 'SERVICE_MISLEADING_ADVICE' && reason !== 'PRODUCT_SIZE_PROBLEM')) {
      return notFired;
    }
    const s = 0.7 * f.adviceAccurate;
    return fire(
      toBuyer(s),
      "The pre-sale chat shows the advice was accurate: the purchase choice was the buyer's own.",
      strength(s, { conflict: f.adviceMisleading > 0 }),
    );
  },
};
