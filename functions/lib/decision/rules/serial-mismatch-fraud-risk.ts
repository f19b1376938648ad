import { NO_CONTRIBUTION, ruleKit, type Rule, type RuleSignals } from '../rule.ts';
import { serialMismatchSuspicious } from './wrong-item-sent.ts';

const meta = {
  id: 'serial-mismatch-fraud-risk',
  version: '1.0.0',
  reasonCode: 'POSSIBLE_ITEM_SWAP',
  description:
    'A serial mismatch found on the returned unit, or reported by a buyer with a history of abuse, may be a swap: a person reviews it, nothing is decided automatically.',
} as const;
const { notFired, fire } = ruleKit(meta);
const SIGNALS: RuleSignals = Object.freeze({ fraudRisk: true, conflict: true });

export const serialMismatchFraudRisk: Rule = {
  ...meta,
  evaluate(f) {
    if (!serialMismatchSuspicious(f)) return notFired;
    return fire(
      NO_CONTRIBUTION,
      f.serialMismatchBySeller
        ? 'The seller reports that the returned unit carries a different serial number: possibly swapped, so a person must review.'
        : "The serial number does not match and the buyer's history shows prior abuse or many claims: possible swap, so a person must review.",
      SIGNALS,
    );
  },
};
