import type { ReasonCode } from '../contract/reason-codes.ts';
import type { FactView } from './facts.ts';
import type { Policy } from './policy.ts';

/**
 * The contract every rule of the chain implements, and the small kit rules are built with.
 *
 * A rule is a named, versioned, pure function from the fact view to an outcome. Its outcome is
 * written into the decision trace as is, so it carries the rule id and version and a sentence
 * a staff member can read.
 */

export const parties = ['carrier', 'seller', 'buyer'] as const;
export type Party = (typeof parties)[number];

/** Non-negative fault weights a rule adds per party; the engine normalizes the sums. */
export interface Contribution {
  readonly carrier: number;
  readonly seller: number;
  readonly buyer: number;
}

/** Side signals a rule can raise besides (or instead of) fault weight. */
export interface RuleSignals {
  /** How strongly the rule's evidence supports its contribution (0..1); drives confidence. */
  readonly evidenceStrength?: number;
  /** The rule saw evidence that disagrees with other evidence or with the claim; lowers confidence. */
  readonly conflict?: boolean;
  /** Nobody is at fault (e.g. a no-reason return inside the window). */
  readonly noFault?: boolean;
  /** Safety hazard: the case gets URGENT priority. */
  readonly urgent?: boolean;
  /** History-based risk (buyer claim rate, prior abuse); lowers confidence, never decides. */
  readonly risk?: boolean;
  /** Possible fraud (e.g. swapped serial): a person must look, whatever the confidence. */
  readonly fraudRisk?: boolean;
  /** Weight from a witness (installer): never decides against the buyer alone. */
  readonly witness?: boolean;
  /** The rule fell back to the buyer's claim because evidence is missing. */
  readonly missingEvidence?: boolean;
  /** Evidence contradicts the buyer's own stated reason: a person must re-classify the case. */
  readonly contradictsReason?: boolean;
  /**
   * The seller answers for the carrier: it chose a carrier the buyer did not agree to, so every
   * carrier share of this case is moved to the seller (judgement v2).
   */
  readonly sellerAnswersForCarrier?: boolean;
  /**
   * Two pieces of evidence contradict each other (an intact and a crushed box, a carrier
   * scanning a parcel both lost and delivered): a person must weigh them (judgement v2).
   */
  readonly contradictoryEvidence?: boolean;
}

/** One rule's result; stored verbatim in the decision trace. */
export interface RuleOutcome {
  readonly ruleId: string;
  readonly ruleVersion: string;
  readonly fired: boolean;
  readonly contribution: Contribution;
  readonly reasonCode: string;
  readonly explanation: string;
  readonly signals?: RuleSignals;
}

export interface Rule extends RuleMeta {
  /**
   * Evaluate the rule. Receives the fact view (facts plus per-case lookups computed once by
   * `viewFacts`) rather than raw facts so that rules stay a few field reads each.
   */
  evaluate(facts: FactView, policy: Policy): RuleOutcome;
}

export interface RuleMeta {
  readonly id: string;
  readonly version: string;
  readonly description: string;
  /** Reason code reported when the rule fires, unless the firing names another. */
  readonly reasonCode: string;
}

export const NO_CONTRIBUTION: Contribution = Object.freeze({ carrier: 0, seller: 0, buyer: 0 });

/** Weights are kept to 4 decimals so traces read cleanly and replay bit for bit. */
export function round4(x: number): number {
  return Math.round(x * 10_000) / 10_000;
}

/** Contribution of weight `w` to one party (rounded to 4 decimals). */
export function toSeller(w: number): Contribution {
  return { carrier: 0, seller: round4(w), buyer: 0 };
}
export function toCarrier(w: number): Contribution {
  return { carrier: round4(w), seller: 0, buyer: 0 };
}
export function toBuyer(w: number): Contribution {
  return { carrier: 0, seller: 0, buyer: round4(w) };
}

/** Reasons that claim the product arrived damaged or defective. */
export const DAMAGE_REASONS: ReadonlySet<ReasonCode> = new Set<ReasonCode>([
  'PRODUCT_QUALITY_DEFECT',
  'PRODUCT_VISIBLE_FLAW',
  'LOGISTICS_DAMAGED_IN_TRANSIT',
]);

export interface RuleKit {
  /** The shared, frozen outcome for "did not apply" (no allocation per call). */
  readonly notFired: RuleOutcome;
  fire(contribution: Contribution, explanation: string, signals?: RuleSignals): RuleOutcome;
  /**
   * The rule's evidence points at the seller or carrier, but the buyer's own stated reason
   * puts the cause on the buyer's side (cancellation, address, no-reason return). The engine
   * does not silently overrule the buyer's own account in either direction: it records a
   * conflict, adds no weight, and the case goes to a person (review reason REASON_CONTRADICTED).
   */
  contradictsBuyerReason(view: FactView, finding: string): RuleOutcome;
}

/**
 * Build the outcome helpers of one rule once, at module load, so evaluating a rule allocates
 * at most its fired outcome.
 */
export function ruleKit(meta: RuleMeta): RuleKit {
  const notFired: RuleOutcome = Object.freeze({
    ruleId: meta.id,
    ruleVersion: meta.version,
    fired: false,
    contribution: NO_CONTRIBUTION,
    reasonCode: meta.reasonCode,
    explanation: `Did not apply. ${meta.description}`,
  });
  return {
    notFired,
    fire(contribution, explanation, signals) {
      return signals === undefined
        ? { ruleId: meta.id, ruleVersion: meta.version, fired: true, contribution, reasonCode: meta.reasonCode, explanation }
        : {
            ruleId: meta.id,
            ruleVersion: meta.version,
            fired: true,
            contribution,
            reasonCode: meta.reasonCode,
            explanation,
            signals,
          };
    },
    contradictsBuyerReason(view, finding) {
      return {
        ruleId: meta.id,
        ruleVersion: meta.version,
        fired: true,
        contribution: NO_CONTRIBUTION,
        reasonCode: meta.reasonCode,
        explanation: `${finding}, but the buyer's own reason is ${view.facts.reason}: the two disagree, so no weight is added and a person should check.`,
        signals: CONTRADICTS_REASON,
      };
    },
  };
}

/** Signals of a rule that only records disagreeing evidence (no weight). */
export const CONFLICT: RuleSignals = Object.freeze({ conflict: true });
const CONTRADICTS_REASON: RuleSignals = Object.freeze({ conflict: true, contradictsReason: true });

/** Signals for a contribution backed by evidence of the given strength. */
export function strength(evidenceStrength: number, extra?: BooleanSignals): RuleSignals {
  const signals: { -readonly [K in keyof RuleSignals]: RuleSignals[K] } = { evidenceStrength: round4(evidenceStrength) };
  if (extra !== undefined) {
    // Only raised flags are kept: the trace is stored, and `conflict: false` says nothing.
    for (const key of booleanSignalKeys) if (extra[key] === true) signals[key] = true;
  }
  return signals;
}

export type BooleanSignals = { readonly [K in Exclude<keyof RuleSignals, 'evidenceStrength'>]?: boolean };
const booleanSignalKeys = [
  'conflict',
  'noFault',
  'urgent',
  'risk',
  'fraudRisk',
  'witness',
  'missingEvidence',
  'contradictsReason',
  'sellerAnswersForCarrier',
  'contradictoryEvidence',
] as const;
