import { ruleKit, strength, toSeller, type Rule } from '../rule.ts';

const meta = {
  id: 'extra-items-sent',
  version: '1.0.0',
  reasonCode: 'EXTRA_ITEMS_SENT',
  description: 'Extra items in the parcel are a seller packing error; the seller collects them at its own cost and no money is owed.',
} as const;
const { notFired, fire } = ruleKit(meta);

export const extraItemsSent: Rule = {
  ...meta,
  evaluate(f) {
    if (f.facts.reason !== 'PRODUCT_EXTRA_ITEMS') return notFired;
    return fire(
      toSeller(0.6),
      'The parcel contained items that were not ordered: a seller packing error; the seller collects them at its own cost.',
      strength(0.7),
    );
  },
};
