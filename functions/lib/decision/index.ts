/**
 * Fault-weighing decision engine: public API.
 *
 * `decide(facts, policy)` is pure and deterministic; build facts with `factsFromReturn`, load
 * policy with `parsePolicy`, validate or publish decisions with `DecisionSchema`.
 */
export { DECISION_ENGINE_VERSION, decide } from './decide.ts';
export {
  AllocationSchema,
  ContributionSchema,
  DecisionSchema,
  RefundSchema,
  RuleSignalsSchema,
  TraceEntrySchema,
  costBearers,
  decisionOutcomes,
  deductionCodes,
  isRefundRemedy,
  recommendedRemedies,
  refundRemedies,
  remedies,
  reviewReasons,
  shippingPayers,
  type Allocation,
  type CostBearer,
  type Decision,
  type DecisionOutcome,
  type RecommendedRemedy,
  type Refund,
  type RefundRemedy,
  type Remedy,
  type ReviewReason,
  type ShippingPayer,
  type TraceEntry,
} from './decision-schema.ts';
export {
  FactEvidenceSchema,
  FactTimelineSchema,
  FactsSchema,
  SELF_SERVING_FACTOR,
  factsFromReturn,
  viewFacts,
  type FactEvidence,
  type FactView,
  type Facts,
  type WindowPosition,
} from './facts.ts';
export {
  AuthorityLimitsSchema,
  CurrencyCompensationSchema,
  InvalidPolicyError,
  MoneyBandSchema,
  PolicySchema,
  compensationBandKeys,
  defaultPolicy,
  defaultResolutions,
  noReasonReturnShippingPayers,
  parsePolicy,
  type AuthorityLimits,
  type CompensationBandKey,
  type CurrencyCompensation,
  type DefaultResolution,
  type MoneyBand,
  type NoReasonReturnShippingPayer,
  type Policy,
  type PolicyIssue,
} from './policy.ts';
export { priorities, type Priority } from '../contract/priorities.ts';
export { staffRoles, type StaffRole } from '../contract/roles.ts';
export { parties, type Contribution, type Party, type Rule, type RuleOutcome, type RuleSignals } from './rule.ts';
export { ruleChain } from './rules/index.ts';
