import type { ReasonCode } from '../../contract/reason-codes.ts';
import { ruleKit, strength, toSeller, type Rule } from '../rule.ts';

const meta = {
  id: 'not-as-listed',
  version: '1.0.0',
  reasonCode: 'NOT_AS_LISTED',
  description: "A product whose colour, size or appearance differs from the listing is the seller's fault.",
} as const;
const { notFired, fire, contradictsBuyerReason } = ruleKit(meta);

const NOT_AS_LISTED = new Set<ReasonCode>(['PRODUCT_COLOUR_DIFFERENCE', 'PRODUCT_SIZE_PROBLEM', 'PRODUCT_NOT_AS_PICTURED']);
const what: Partial<Record<ReasonCode, string>> = {
  PRODUCT_COLOUR_DIFFERENCE: 'colour',
  PRODUCT_SIZE_PROBLEM: 'size',
  PRODUCT_NOT_AS_PICTURED: 'appearance',
};

export const notAsListed: Rule = {
  ...meta,
  evaluate(f) {
    const reason = f.facts.reason;
    const claimed = NOT_AS_LISTED.has(reason);
    if (!claimed && f.productNotAsPictured === 0) return notFired;
    if (f.productNotAsPictured > 0) {
      if (f.buyerDeclared) return contradictsBuyerReason(f, 'A photo shows the product differs from its pictures');
      const s = 0.85 * f.productNotAsPictured;
      return fire(toSeller(s), 'A photo shows the product differs from the listing: the seller is responsible.', strength(s));
    }
    return fire(
      toSeller(0.45),
      `The buyer reports that the ${what[reason] ?? 'product'} is not as listed; no photo confirms it yet.`,
      strength(0.45, { missingEvidence: true }),
    );
  },
};
