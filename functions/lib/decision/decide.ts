import type {
  Allocation,
  CostBearer,
  Decision,
  RecommendedRemedy,
  Refund,
  RefundRelease,
  ReviewReason,
  ShippingPayer,
} from './decision-schema.ts';
import { formatIsoMs, viewFacts, type FactView, type Facts } from './facts.ts';
import { decisionAuthority } from './authority.ts';
import { formatMoney } from '../contract/money.ts';
import { policyVersionOf, type Policy } from './policy.ts';
import { round4, type Party, type Rule, type RuleOutcome } from './rule.ts';
import { ruleChain } from './rules/index.ts';

/**
 * Version of the combination logic (normalization, confidence, remedy choice). Rules carry
 * their own versions; a stored decision names both, so it can be replayed exactly.
 */
export const DECISION_ENGINE_VERSION = '1.1.0';

/** Strength assumed for a contribution whose rule does not state one. */
const DEFAULT_STRENGTH = 0.5;
/** Each conflicting finding multiplies confidence by this. */
const CONFLICT_FACTOR = 0.75;
/** A history-based risk signal multiplies confidence by this. */
const RISK_FACTOR = 0.85;
/** A fraud signal halves confidence (and forces a review regardless). */
const FRAUD_FACTOR = 0.5;
/** How much support for other parties erodes support for the dominant one. */
const OPPOSITION_WEIGHT = 0.5;
const BASIS = 10_000;
const MINUTE_MS = 60_000;

const rulesUsedCache = new WeakMap<readonly Rule[], readonly string[]>();

function rulesUsedOf(rules: readonly Rule[]): readonly string[] {
  let ids = rulesUsedCache.get(rules);
  if (ids === undefined) {
    ids = Object.freeze(rules.map((r) => `${r.id}@${r.version}`));
    rulesUsedCache.set(rules, ids);
  }
  return ids;
}

/**
 * Decide a case: who is at fault, how sure we are, and what the buyer gets.
 *
 * Pure and deterministic: no clock, no environment, no I/O; `facts.timeline.decidedAt` is the
 * decision time. Does not validate its input (callers parse with `FactsSchema` once, at the
 * boundary) and does not throw for any valid facts.
 *
 * Steps:
 * 1. Derive the fact view once (evidence strengths, scans, lateness, window, band).
 * 2. Run every rule of the chain, keeping each outcome for the trace.
 * 3. Sum contributions per party; normalize to shares in whole basis points (remainder to the
 *    largest share), or NO_FAULT when no rule put weight on anyone.
 * 4. Confidence: noisy-OR of the evidence strengths supporting the dominant party, eroded by
 *    support for the others, by conflicts, by history risk and by fraud signals.
 * 5. Recommend a remedy from the dominant party, the reason and the buyer's request; price it
 *    (refund, itemised deductions, never above the amount paid, never negative).
 * 6. MANUAL_REVIEW instead of the recommendation when confidence is below the policy
 *    threshold, evidence contradicts other evidence, a fraud signal fired, only a witness speaks against the buyer, evidence
 *    contradicts the buyer's own stated reason, or no rule applied: the engine never
 *    silently decides against the buyer.
 * 7. Priority, first-response deadline, approval role, summary.
 *
 * @param facts - normalized case facts (see `factsFromReturn`).
 * @param policy - the marketplace policy in force (see `parsePolicy`).
 * @param rules - the rule chain; defaults to {@link ruleChain}.
 * @returns a JSON-serialisable decision matching `DecisionSchema`.
 */
export function decide(facts: Facts, policy: Policy, rules: readonly Rule[] = ruleChain): Decision {
  const view = viewFacts(facts, policy);

  // 2. Run the chain. Accumulators, not arrays of intermediate objects: this is the hot path.
  const trace: RuleOutcome[] = new Array<RuleOutcome>(rules.length);
  let carrier = 0;
  let seller = 0;
  let buyer = 0;
  let missCarrier = 1;
  let missSeller = 1;
  let missBuyer = 1;
  let missNoFault = 1;
  let noFaultSeen = false;
  let buyerFromNonWitness = 0;
  let conflicts = 0;
  let urgent = false;
  let risk = false;
  let fraud = false;
  let contradicted = false;
  let sellerAnswersForCarrier = false;
  let contradictory = false;
  const reasonCodes: string[] = [];
  for (let i = 0; i < rules.length; i++) {
    const outcome = (rules[i] as Rule).evaluate(view, policy);
    trace[i] = outcome;
    if (!outcome.fired) continue;
    if (!reasonCodes.includes(outcome.reasonCode)) reasonCodes.push(outcome.reasonCode);
    const k = outcome.contribution;
    const signals = outcome.signals;
    const st = signals?.evidenceStrength ?? DEFAULT_STRENGTH;
    if (signals !== undefined) {
      if (signals.conflict === true) conflicts++;
      if (signals.urgent === true) urgent = true;
      if (signals.risk === true) risk = true;
      if (signals.fraudRisk === true) fraud = true;
      if (signals.contradictsReason === true) contradicted = true;
      if (signals.sellerAnswersForCarrier === true) sellerAnswersForCarrier = true;
      if (signals.contradictoryEvidence === true) contradictory = true;
      if (signals.noFault === true) {
        noFaultSeen = true;
        missNoFault *= 1 - st;
      }
    }
    const total = k.carrier + k.seller + k.buyer;
    if (total > 0) {
      carrier += k.carrier;
      seller += k.seller;
      buyer += k.buyer;
      // A rule splitting its weight supports each party in proportion.
      missCarrier *= 1 - (st * k.carrier) / total;
      missSeller *= 1 - (st * k.seller) / total;
      missBuyer *= 1 - (st * k.buyer) / total;
      if (k.buyer > 0 && signals?.witness !== true) buyerFromNonWitness += k.buyer;
    }
  }

  // 3. The seller chose a carrier the buyer did not agree to: it answers for that carrier, so
  //    the carrier's weight and support become the seller's (wrong-carrier-used explains it).
  if (sellerAnswersForCarrier && carrier > 0) {
    seller += carrier;
    carrier = 0;
    missSeller *= missCarrier;
    missCarrier = 1;
  }

  // Allocation.
  const total = carrier + seller + buyer;
  let allocation: Allocation;
  let dominant: Party | null = null;
  let confidence: number;
  if (total > 0) {
    dominant = dominantParty(carrier, seller, buyer);
    allocation = normalize(carrier, seller, buyer, total, dominant);
    // 4. Confidence for a fault allocation.
    const support = { carrier: 1 - missCarrier, seller: 1 - missSeller, buyer: 1 - missBuyer };
    let opposition = 0;
    if (dominant !== 'carrier') opposition = Math.max(opposition, support.carrier);
    if (dominant !== 'seller') opposition = Math.max(opposition, support.seller);
    if (dominant !== 'buyer') opposition = Math.max(opposition, support.buyer);
    confidence = support[dominant] * (1 - OPPOSITION_WEIGHT * opposition);
  } else {
    allocation = { kind: 'NO_FAULT' };
    confidence = noFaultSeen ? 1 - missNoFault : 0;
  }
  if (conflicts > 0) confidence *= CONFLICT_FACTOR ** conflicts;
  if (risk) confidence *= RISK_FACTOR;
  if (fraud) confidence *= FRAUD_FACTOR;
  confidence = round4(Math.min(1, Math.max(0, confidence)));

  // 5. Recommendation and price.
  const rec = recommend(view, dominant, policy);
  const refund = priceRefund(view, rec, policy);
  const refundRelease = releaseFor(facts, rec, refund, policy);

  // 6. Review gate.
  const reviewReasons: ReviewReason[] = [];
  if (dominant === null && !noFaultSeen) reviewReasons.push('NO_RULE_APPLIED');
  if (confidence < policy.manualReviewConfidenceThreshold) reviewReasons.push('LOW_CONFIDENCE');
  if (fraud) reviewReasons.push('FRAUD_RISK');
  if (dominant === 'buyer' && buyerFromNonWitness === 0) reviewReasons.push('WITNESS_ONLY_AGAINST_BUYER');
  if (contradicted) reviewReasons.push('REASON_CONTRADICTED');
  if (contradictory) reviewReasons.push('CONFLICTING_EVIDENCE');
  const review = reviewReasons.length > 0;

  // 7. Service level, authority, explanation.
  const priority = urgent ? 'URGENT' : 'NORMAL';
  const firstResponseDueAt = formatIsoMs(view.claimedAtMs + policy.serviceLevels.firstResponseMinutes[priority] * MINUTE_MS);
  const primary = primaryOutcome(trace, dominant);
  const primaryReasonCode = primary?.reasonCode ?? 'NO_RULE_APPLIED';

  const decision: Decision = {
    engineVersion: DECISION_ENGINE_VERSION,
    policyVersion: policyVersionOf(policy),
    marketplace: policy.marketplace,
    decidedAt: facts.timeline.decidedAt,
    outcome: review ? 'MANUAL_REVIEW' : 'DECIDED',
    remedy: review ? 'MANUAL_REVIEW' : rec.remedy,
    recommendedRemedy: rec.remedy,
    reviewReasons,
    allocation,
    confidence,
    primaryReasonCode,
    reasonCodes,
    refund,
    ...(refundRelease === undefined ? {} : { refundRelease }),
    returnShippingPaidBy: rec.returnShippingPaidBy,
    costBearer: rec.costBearer,
    carrierClaim: rec.costBearer === 'CARRIER',
    priority,
    firstResponseDueAt,
    authority: decisionAuthority(refund.amount, facts.money.currency, policy),
    rulesUsed: rulesUsedOf(rules) as string[],
    trace,
    summary: '',
  };
  decision.summary = summarize(decision, policy);
  return decision;
}

/** Largest raw sum wins; ties go seller, then carrier, then buyer, so a tie is never held against the buyer. */
function dominantParty(carrier: number, seller: number, buyer: number): Party {
  if (seller >= carrier && seller >= buyer) return 'seller';
  if (carrier >= buyer) return 'carrier';
  return 'buyer';
}

/**
 * Shares in whole basis points (4 decimals) summing to exactly 1: each share is rounded and the
 * remainder (at most one basis point either way) goes to the dominant share. When a basis point
 * must be taken away and the runner-up is tied with the dominant share after rounding, it is
 * taken from the runner-up instead, so the dominant share always stays the largest.
 */
function normalize(carrier: number, seller: number, buyer: number, total: number, dominant: Party): Allocation {
  const bp = {
    carrier: Math.round((carrier / total) * BASIS),
    seller: Math.round((seller / total) * BASIS),
    buyer: Math.round((buyer / total) * BASIS),
  };
  const remainder = BASIS - bp.carrier - bp.seller - bp.buyer;
  if (remainder >= 0) {
    bp[dominant] += remainder;
  } else {
    let target: Party = dominant;
    for (const p of ['seller', 'carrier', 'buyer'] as const) {
      if (p !== dominant && bp[p] === bp[dominant]) target = p;
    }
    bp[target] += remainder;
  }
  return {
    kind: 'FAULT',
    carrier: bp.carrier / BASIS,
    seller: bp.seller / BASIS,
    buyer: bp.buyer / BASIS,
    dominant,
  };
}

/** The fired rule weighing most for the dominant party (or the no-fault rule); first in chain order on ties. */
function primaryOutcome(trace: readonly RuleOutcome[], dominant: Party | null): RuleOutcome | undefined {
  let best: RuleOutcome | undefined;
  let bestWeight = 0;
  for (const o of trace) {
    if (!o.fired) continue;
    if (dominant === null) {
      if (o.signals?.noFault === true) return o;
      continue;
    }
    const w = o.contribution[dominant];
    if (w > bestWeight) {
      best = o;
      bestWeight = w;
    }
  }
  return best;
}

/* ------------------------------------------------------------------------------------------ */
/* Remedies                                                                                    */
/* ------------------------------------------------------------------------------------------ */

interface Recommendation {
  readonly remedy: RecommendedRemedy;
  /** Refund before deductions, minor units. */
  readonly gross: number;
  readonly deductOutbound: boolean;
  readonly returnShippingPaidBy: ShippingPayer;
  readonly costBearer: CostBearer;
}

function rec(
  remedy: RecommendedRemedy,
  gross: number,
  returnShippingPaidBy: ShippingPayer,
  costBearer: CostBearer,
  deductOutbound = false,
): Recommendation {
  return { remedy, gross, deductOutbound, returnShippingPaidBy, costBearer };
}

/** Reasons where the goods are fine and only the service failed: nothing to send back or replace. */
const COMPENSATION_ONLY = new Set<string>(['LOGISTICS_DELAYED', 'LOGISTICS_COURIER_MISCONDUCT', 'LOGISTICS_WRONG_CARRIER']);

function recommend(v: FactView, dominant: Party | null, policy: Policy): Recommendation {
  const f = v.facts;
  if (dominant === null) {
    if (f.reason === 'BUYER_NO_REASON_RETURN') {
      const payer = policy.noReasonReturnShippingPaidBy;
      return rec('RETURN_AND_REFUND', f.money.amountPaid, payer, payer);
    }
    // A cancellation before dispatch is a right, not a fault: full refund, nobody bears a cost.
    if ((f.reason === 'BUYER_CANCEL_BEFORE_SHIPPING' || f.reason === 'BUYER_CANCEL_AFTER_SHIPPING') && !v.shipped) {
      return rec('FULL_REFUND', f.money.amountPaid, 'NONE', 'NONE');
    }
    // Nobody at fault on any other claim (e.g. "delayed" but delivered on time): nothing is owed.
    return rec('REJECT', 0, 'NONE', 'NONE');
  }
  if (dominant === 'buyer') return buyerRemedy(v);
  return faultRemedy(v, dominant === 'carrier' ? 'CARRIER' : 'SELLER');
}

/** The buyer caused the problem: cancellations and failed deliveries cost the buyer the shipping. */
function buyerRemedy(v: FactView): Recommendation {
  const f = v.facts;
  const paid = f.money.amountPaid;
  // A wrong address the buyer gave, shown by an address check, costs the buyer the extra
  // shipping whatever the buyer called the problem (a "lost" or "late" parcel).
  const addressError = v.addressWrong > 0 && v.family === 'LOGISTICS';
  switch (addressError ? 'BUYER_WRONG_ADDRESS' : f.reason) {
    case 'BUYER_CANCEL_BEFORE_SHIPPING':
    case 'BUYER_CANCEL_AFTER_SHIPPING':
    case 'BUYER_WRONG_ADDRESS':
    case 'BUYER_UNAVAILABLE':
    case 'BUYER_ADDRESS_CHANGE': {
      const wantsRefund = f.requestedRemedy === 'FULL_REFUND' || f.requestedRemedy === 'RETURN_AND_REFUND';
      if (!v.shipped) {
        // Before dispatch nothing was spent: an address change is simply applied.
        if (f.reason === 'BUYER_ADDRESS_CHANGE' && !wantsRefund) return rec('NO_REFUND_NEEDED', 0, 'NONE', 'NONE');
        return rec('FULL_REFUND', paid, 'NONE', 'NONE');
      }
      if (f.requestedRemedy === 'REPLACEMENT') return rec('RESHIP', 0, 'NONE', 'BUYER');
      if (f.reason === 'BUYER_ADDRESS_CHANGE' && !wantsRefund) return rec('NO_REFUND_NEEDED', 0, 'NONE', 'BUYER');
      return rec('RETURN_AND_REFUND', paid, 'BUYER', 'BUYER', true);
    }
    case 'BUYER_NO_REASON_RETURN':
      return rec('REJECT', 0, 'NONE', 'BUYER');
    default:
      // The buyer's no-reason right survives a lost argument: inside the window they may
      // still send the item back at their own cost.
      if (v.windowPosition === 'INSIDE') return rec('RETURN_AND_REFUND', paid, 'BUYER', 'BUYER');
      return rec('REJECT', 0, 'NONE', 'BUYER');
  }
}

/** Seller or carrier at fault: the buyer is made whole; the party at fault pays shipping. */
function faultRemedy(v: FactView, party: 'SELLER' | 'CARRIER'): Recommendation {
  const f = v.facts;
  const paid = f.money.amountPaid;
  switch (f.reason) {
    case 'PRODUCT_OUT_OF_STOCK':
      return rec('FULL_REFUND', paid, 'NONE', party);
    case 'PRODUCT_EXTRA_ITEMS':
      return rec('NO_REFUND_NEEDED', 0, party, party);
    case 'SERVICE_STAFF_COMPLAINT':
      return f.requestedRemedy === 'PARTIAL_REFUND' ? compensation(v, party) : rec('NO_REFUND_NEEDED', 0, 'NONE', party);
    default:
      break;
  }
  const received = v.delivered && !v.scanLost && !v.parcelSilent && f.reason !== 'LOGISTICS_LOST';
  if (!received) {
    return f.requestedRemedy === 'REPLACEMENT' ? rec('RESHIP', 0, 'NONE', party) : rec('FULL_REFUND', paid, 'NONE', party);
  }
  // A repair past its limits: the buyer is offered a full refund and the product goes back.
  if (v.repairOverrun) return rec('RETURN_AND_REFUND', paid, party, party);
  // Missing items: the buyer keeps what came and is refunded what is missing, at its value.
  if (f.reason === 'PRODUCT_MISSING_ITEMS' && f.requestedRemedy !== 'REPLACEMENT') {
    const value = v.missingItemsValue ?? f.requestedAmount;
    if (value !== undefined) return rec('PARTIAL_REFUND', Math.min(value, paid), 'NONE', party);
    // Unpriced: the whole parcel comes back instead, at the cost of the party at fault.
    return rec('RETURN_AND_REFUND', paid, party, party);
  }
  const compensationOnly = COMPENSATION_ONLY.has(f.reason);
  switch (f.requestedRemedy) {
    case 'REPLACEMENT':
      if (compensationOnly) return compensation(v, party);
      // Missing items are simply sent; anything else comes back for the replacement.
      return rec('RESHIP', 0, f.reason === 'PRODUCT_MISSING_ITEMS' ? 'NONE' : party, party);
    case 'REPAIR':
      return compensationOnly ? compensation(v, party) : rec('REPAIR', 0, party, party);
    case 'PARTIAL_REFUND':
      return compensation(v, party);
    default:
      return rec('RETURN_AND_REFUND', paid, party, party);
  }
}

/**
 * Compensation, buyer keeps the item. Anchored to the policy band (region, or the high-value
 * band); a request above the band is not haggled over: the return is accepted instead, with
 * the party at fault paying shipping. (Missing items are priced by value in faultRemedy.)
 */
function compensation(v: FactView, party: 'SELLER' | 'CARRIER'): Recommendation {
  const f = v.facts;
  const paid = f.money.amountPaid;
  const asked = f.requestedAmount;
  const band = v.band;
  if (band === undefined || (asked !== undefined && asked > band.max)) {
    return rec('RETURN_AND_REFUND', paid, party, party);
  }
  return rec('PARTIAL_REFUND', Math.min(asked ?? band.max, paid), 'NONE', party);
}

function priceRefund(v: FactView, r: Recommendation, policy: Policy): Refund {
  const money = v.facts.money;
  const gross = Math.max(0, Math.min(r.gross, money.amountPaid));
  const deductions: Refund['deductions'] = [];
  let left = gross;
  const deduct = (code: Refund['deductions'][number]['code'], wanted: number, description: string) => {
    // Deductions never take the refund below zero: each takes at most what is left.
    const amount = Math.min(Math.max(0, Math.round(wanted)), left);
    if (amount <= 0) return;
    left -= amount;
    deductions.push({ code, amount, description });
  };
  if (r.deductOutbound && money.shippingCost > 0) {
    deduct(
      'OUTBOUND_SHIPPING',
      money.shippingCost,
      "Outbound shipping at the seller's own rate, deducted because the buyer caused the return after dispatch.",
    );
  }
  const inspection = r.remedy === 'RETURN_AND_REFUND' ? v.facts.returnLeg?.inspection : undefined;
  if (inspection !== undefined) {
    const rules = policy.returnLeg.inspection;
    if (inspection.outcome === 'USED_OR_DAMAGED_BY_BUYER') {
      const grade = inspection.conditionGrade ?? 'D';
      const share = rules.depreciationByGrade[grade];
      deduct(
        'CONDITION_DEPRECIATION',
        gross * share,
        `The returned item was used or damaged by the buyer (condition ${grade}): ${Math.round(share * 100)}% of the refund deducted by policy.`,
      );
    }
    if (inspection.outcome === 'PARTS_MISSING') {
      deduct(
        'PARTS_MISSING',
        gross * rules.partsMissingShare,
        `Parts were missing from the returned item: ${Math.round(rules.partsMissingShare * 100)}% of the refund deducted by policy.`,
      );
    }
    const buyerAtFault = inspection.outcome === 'USED_OR_DAMAGED_BY_BUYER' || inspection.outcome === 'PARTS_MISSING';
    if (buyerAtFault && r.returnShippingPaidBy !== 'BUYER' && r.returnShippingPaidBy !== 'NONE') {
      deduct(
        'RETURN_SHIPPING',
        money.shippingCost,
        'Return shipping (estimated at the outbound cost), paid by the seller and deducted because the buyer is at fault for the condition of the return.',
      );
    }
  }
  return { currency: money.currency, gross, deductions, amount: left };
}

/**
 * When the refund reaches the buyer (policy returnLeg.release). A refund with nothing to send
 * back is paid at decision; a RETURN_AND_REFUND refund waits for the goods, unless shipping
 * them back costs more than they are worth (returnless) or the buyer's record earns release at
 * the first carrier scan.
 */
function releaseFor(facts: Facts, r: Recommendation, refund: Refund, policy: Policy): RefundRelease | undefined {
  if (refund.amount <= 0) return undefined;
  if (r.remedy !== 'RETURN_AND_REFUND') {
    return { mode: 'AT_DECISION', reason: `${remedyText[r.remedy]}: nothing comes back, so it is paid when decided` };
  }
  const rules = policy.returnLeg.release;
  const { currency, itemValue, shippingCost } = facts.money;
  const limit = rules.returnless?.maxItemValue[currency];
  if (limit !== undefined && itemValue <= limit) {
    return {
      mode: 'RETURNLESS',
      reason: `item worth ${formatMoney(itemValue, currency)}, at most the returnless limit of ${formatMoney(limit, currency)}: refunded without a return`,
    };
  }
  const share = rules.returnless?.minShippingShare;
  if (share !== undefined && itemValue > 0 && shippingCost >= itemValue * share) {
    return {
      mode: 'RETURNLESS',
      reason: `return shipping (${formatMoney(shippingCost, currency)}) is at least ${Math.round(share * 100)}% of the item value (${formatMoney(itemValue, currency)}): refunded without a return`,
    };
  }
  const claimRate = facts.buyer.claimRate;
  const trusted = rules.firstScanMaxClaimRate;
  if (trusted !== undefined && claimRate !== undefined && claimRate < trusted && !facts.buyer.priorAbuse) {
    return {
      mode: 'FIRST_SCAN',
      reason: `buyer claim rate ${claimRate} is below ${trusted} with no prior abuse: released at the return's first carrier scan`,
    };
  }
  const why: Record<typeof rules.mode, string> = {
    ON_RECEIPT: 'released when the seller receives the return (policy default)',
    ON_RETURN_DELIVERED: 'released when the carrier delivers the return to the seller',
    ON_INSPECTION: 'released when the returned item has been inspected',
  };
  return { mode: rules.mode, reason: why[rules.mode] };
}

/* ------------------------------------------------------------------------------------------ */
/* Summary                                                                                     */
/* ------------------------------------------------------------------------------------------ */

const remedyText: Record<RecommendedRemedy, string> = {
  FULL_REFUND: 'full refund',
  PARTIAL_REFUND: 'partial refund (buyer keeps the item)',
  RETURN_AND_REFUND: 'return and refund',
  RESHIP: 'reship',
  REPAIR: 'repair',
  NO_REFUND_NEEDED: 'no refund needed (apology or corrective action only)',
  REJECT: 'claim rejected',
};

const payerText: Record<ShippingPayer, string> = {
  SELLER: 'seller',
  BUYER: 'buyer',
  CARRIER: 'carrier',
  PLATFORM: 'platform',
  NONE: 'nobody',
};

function summarize(d: Decision, policy: Policy): string {
  const who =
    d.allocation.kind === 'NO_FAULT'
      ? 'no fault'
      : `${d.allocation.dominant} at fault (${Math.round(d.allocation[d.allocation.dominant] * 100)}%)`;
  const money = d.refund.amount > 0 ? ` of ${formatMoney(d.refund.amount, d.refund.currency)}` : '';
  const deducted = d.refund.deductions.length > 0 ? ' after deducting outbound shipping' : '';
  const shipping = d.returnShippingPaidBy === 'NONE' ? '' : `, ${payerText[d.returnShippingPaidBy]} pays return shipping`;
  const claim = d.carrierClaim ? ', carrier claim to file' : '';
  const action = `${remedyText[d.recommendedRemedy]}${money}${deducted}${shipping}${claim}`;
  const urgent = d.priority === 'URGENT' ? 'URGENT. ' : '';
  if (d.outcome === 'MANUAL_REVIEW') {
    return `${urgent}Manual review (${d.reviewReasons.join(', ')}; confidence ${d.confidence} vs threshold ${policy.manualReviewConfidenceThreshold}): provisionally ${who} [${d.primaryReasonCode}], recommended ${action}.`;
  }
  return `${urgent}${who[0]?.toUpperCase()}${who.slice(1)} [${d.primaryReasonCode}], confidence ${d.confidence}: ${action}.`;
}
