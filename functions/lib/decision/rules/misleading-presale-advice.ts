import { ruleKit, strength, toSeller, type Rule } from '../rule.ts';

const meta = {
  id: 'misleading-presale-advice',
  version: '1.0.0',
  reasonCode: 'MISLEADING_PRESALE_ADVICE',
  description: "Pre-sale advice from the seller's staff that led to the wrong purchase (size, spec) is the seller's service error.",
} as const;
const { notFired, fire, contradictsBuyerReason } = ruleKit(meta);

export const misleadingPresaleAdvice: Rule = {
  ...meta,
  evaluate(f) {
    if (f.adviceMisleading > 0) {
      if (f.buyerDeclared) return contradictsBuyerReason(f, 'The pre-sale chat shows misleading advice');
      const s = 0.9 * f.adviceMisleading;
      const mixed = f.adviceAccurate > 0;
      return fire(
        toSeller(s),
        mixed
          ? 'One pre-sale chat shows misleading advice and another accurate advice: the seller is probably responsible, but the chats disagree.'
          : "The pre-sale chat shows the seller's staff gave misleading advice that led to this purchase: a seller service error.",
        strength(s, { conflict: mixed }),
      );
    }
    if (f.facts.reason !== 'SERVICE_MISLEADING_ADVICE') return notFired;
    return fire(
      toSeller(0.45),
      'The buyer reports misleading pre-sale advice; the seller can check its own chat log, which is not attached yet.',
      strength(0.4, { missingEvidence: true }),
    );
  },
};
