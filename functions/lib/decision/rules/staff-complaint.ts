import { ruleKit, strength, toSeller, type Rule } from '../rule.ts';

const meta = {
  id: 'staff-complaint',
  version: '1.0.0',
  reasonCode: 'SELLER_STAFF_COMPLAINT',
  description:
    "A complaint about rude or slow after-sales staff is the seller's service failure; it calls for an apology, not necessarily money.",
} as const;
const { notFired, fire } = ruleKit(meta);

export const staffComplaint: Rule = {
  ...meta,
  evaluate(f) {
    if (f.facts.reason !== 'SERVICE_STAFF_COMPLAINT') return notFired;
    return fire(
      toSeller(0.6),
      "The buyer complains about the seller's after-sales staff: a seller service failure that calls for an apology.",
      strength(0.7),
    );
  },
};
