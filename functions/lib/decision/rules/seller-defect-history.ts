import { ruleKit, strength, toSeller, type Rule } from '../rule.ts';

const meta = {
  id: 'seller-defect-history',
  version: '1.0.0',
  reasonCode: 'SELLER_DEFECT_HISTORY',
  description: 'A seller with a high defect rate makes a product complaint slightly more plausible; history never decides a case alone.',
} as const;
const { notFired, fire } = ruleKit(meta);

export const sellerDefectHistory: Rule = {
  ...meta,
  evaluate(f, policy) {
    if (!f.sellerHighDefectRate || f.family !== 'PRODUCT') return notFired;
    return fire(
      toSeller(0.15),
      `The seller's defect rate is at or above ${Math.round(policy.risk.highSellerDefectRate * 100)}%: a product complaint is slightly more plausible.`,
      strength(0.2),
    );
  },
};
