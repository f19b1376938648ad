import { ruleKit, strength, toSeller, type Rule } from '../rule.ts';

const meta = {
  id: 'repair-overrun',
  version: '1.0.0',
  reasonCode: 'REPAIR_OVERRUN',
  description:
    "A repair past the policy's limit after its promised completion, or with the policy's number of failed attempts, is the seller's to answer: the buyer is offered a full refund.",
} as const;
const { notFired, fire } = ruleKit(meta);

export const repairOverrun: Rule = {
  ...meta,
  evaluate(f, policy) {
    const repair = f.facts.repair;
    if (repair === undefined || repair.status === 'COMPLETED') return notFired;
    if (!f.repairOverrun) {
      return fire(
        toSeller(0.3),
        `A repair is in progress (${repair.attempts} attempts) and still inside its limits: the buyer's request needs a person, as nothing has overrun yet.`,
        strength(0.3, { missingEvidence: true }),
      );
    }
    const limits = policy.repair;
    const why =
      repair.status === 'FAILED'
        ? 'the repair was given up'
        : f.repairFailedAttempts >= limits.maxFailedAttempts
          ? `${f.repairFailedAttempts} repair attempts failed (limit ${limits.maxFailedAttempts})`
          : repair.promisedCompletionAt === undefined
            ? `the repair has run ${f.repairOverrunDays} days past the ${limits.reasonableDays} days a repair may reasonably take`
            : `the repair is ${f.repairOverrunDays} days past its promised completion (limit ${limits.overrunLimitDays})`;
    const parts = repair.partsBackordered ? ' Parts are back-ordered.' : '';
    return fire(
      toSeller(0.9),
      `${why[0]?.toUpperCase()}${why.slice(1)}: the seller answers for it and the buyer is offered a full refund with the product returned.${parts}`,
      strength(0.9),
    );
  },
};
