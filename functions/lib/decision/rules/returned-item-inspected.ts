import { NO_CONTRIBUTION, ruleKit, type Rule, type RuleSignals } from '../rule.ts';

const meta = {
  id: 'returned-item-inspected',
  version: '1.0.0',
  reasonCode: 'RETURN_INSPECTED',
  description:
    'What the seller found in the returned parcel: as sent (full refund), used or damaged by the buyer or parts missing (deductions priced by policy), or not the item sent (a possible swap: a person reviews).',
} as const;
const { notFired, fire } = ruleKit(meta);
const SWAP: RuleSignals = Object.freeze({ fraudRisk: true, conflict: true });

/** Fault stays where the claim put it; the inspection prices the refund (decide.ts) or stops it for review. */
export const returnedItemInspected: Rule = {
  ...meta,
  evaluate(f) {
    const inspection = f.facts.returnLeg?.inspection;
    if (inspection === undefined) return notFired;
    switch (inspection.outcome) {
      case 'AS_SENT':
        return fire(NO_CONTRIBUTION, 'The returned item arrived as it was sent: the refund is paid in full.');
      case 'USED_OR_DAMAGED_BY_BUYER':
        return fire(
          NO_CONTRIBUTION,
          `The returned item was used or damaged by the buyer (condition ${inspection.conditionGrade ?? 'D'}): depreciation is deducted by policy.`,
        );
      case 'PARTS_MISSING':
        return fire(NO_CONTRIBUTION, 'Parts were missing from the returned item: the policy share is deducted.');
      case 'NOT_THE_ITEM_SENT':
        return fire(
          NO_CONTRIBUTION,
          'The returned item is not the one sent (serial or SKU mismatch): possibly swapped, so a person must review.',
          SWAP,
        );
    }
  },
};
