import { NO_CONTRIBUTION, ruleKit, type Rule } from '../rule.ts';

const meta = {
  id: 'no-inspection-does-not-shift-fault',
  version: '1.0.0',
  reasonCode: 'NO_INSPECTION_NOT_BUYER_FAULT',
  description:
    'Not inspecting at signature never moves fault to the buyer when the packaging was intact or the courier did not allow inspection.',
} as const;
const { notFired, fire } = ruleKit(meta);

const NOT_ALLOWED = 'The courier did not allow inspection at the door, so the lack of an inspection cannot be held against the buyer.';
const INTACT =
  'The buyer did not inspect at signature, but the packaging was intact, so an inspection would have shown nothing: no fault moves to the buyer.';

/** Records, for the reader of the trace, that the classic "did you inspect?" objection was weighed and set aside. */
export const noInspectionDoesNotShiftFault: Rule = {
  ...meta,
  evaluate(f) {
    const inspection = f.facts.deliveryInspection;
    if (f.productProblem === 0) return notFired;
    if (inspection === 'NOT_ALLOWED_BY_COURIER') return fire(NO_CONTRIBUTION, NOT_ALLOWED);
    if (inspection === 'NOT_PERFORMED' && f.packagingIntact > 0) return fire(NO_CONTRIBUTION, INTACT);
    return notFired;
  },
};
