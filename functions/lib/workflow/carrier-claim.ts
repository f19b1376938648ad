import { createHash } from 'node:crypto';
import { ConflictError, ValidationError } from '../contract/errors.ts';
import { type Policy, policyVersionOf } from '../decision/policy.ts';
import {
  type Actor,
  type CarrierClaim,
  type CarrierClaimWatch,
  type CaseRecord,
  type HistoryEvent,
  type LedgerLine,
  returnWithStaffEvidence,
} from './case.ts';
import { firstScanAt } from './return-leg.ts';
import type { StaffActionContext, StaffChange } from './staff-actions.ts';

/**
 * Carrier claims (#19): who finally pays when the carrier is at fault.
 *
 * | state   | how it gets there                                                                   |
 * |---------|-------------------------------------------------------------------------------------|
 * | TO_FILE | a commit leaves carrier-borne cost in the ledger (CARRIER_CLAIM lines) and no claim |
 * | FILED   | staff record the filing with the carrier's reference, before `fileBy`               |
 * | PAID    | staff record the carrier's payment (at most the amount claimed)                     |
 * | DENIED  | staff record the carrier's refusal: the cost falls back to the seller               |
 * | EXPIRED | the sweep finds `fileBy` passed with the claim still TO_FILE: back to the seller     |
 *
 * The claim's amount is what the ledger puts on the carrier (the sum of its CARRIER_CLAIM
 * lines); while the claim is TO_FILE it follows the ledger (a new decision may change or
 * remove the carrier's share, CARRIER_CLAIM_AMOUNT_CHANGED / CARRIER_CLAIM_WITHDRAWN). Once
 * EXPIRED or DENIED, carrier-borne lines are moved to the seller in every later ledger too.
 *
 * The deadline rides the escalation sweep's sparse due index: a case with a TO_FILE claim is
 * in it at min(its own deadline, `claimDueAt`), and the index entry carries the claim's watch
 * fields, so the sweep knows a claim step is due from the entry alone; the step itself reads
 * the whole case (one more item, once at the warning and once at expiry per claim).
 */

const DAY_MS = 86_400_000;

export const CLAIM_ACTOR: Actor = { kind: 'SYSTEM', id: 'carrier-claims' };

/** The carrier's share in a ledger: its CARRIER_CLAIM lines the carrier still bears. */
export function carrierShare(ledger: readonly LedgerLine[] | undefined): number {
  return (ledger ?? []).filter((l) => l.kind === 'CARRIER_CLAIM' && l.bornBy === 'CARRIER').reduce((sum, l) => sum + l.amount, 0);
}

/** When the sweep next has to look at the claim: the warning, then the deadline; never once filed. */
export function claimDueAt(claim: CarrierClaimWatch | undefined): string | undefined {
  if (claim === undefined || claim.state !== 'TO_FILE') return undefined;
  if (claim.warnedAt === undefined && Date.parse(claim.warnAt) < Date.parse(claim.fileBy)) return claim.warnAt;
  return claim.fileBy;
}

/**
 * What a claim's deadline step needs beyond its watch fields, carried by the due index entry
 * while the claim is watched (#19): the event's facts and the ledger, which expiry rewrites.
 * With them the sweep steps a claim on a settled case from the entry alone, without reading
 * the case (escalation.ts, claimDeadlinePatch).
 */
export type ClaimStepFacts = {
  readonly carrier: string;
  readonly amount: number;
  readonly currency: string;
  readonly ledger: readonly LedgerLine[];
};

export function claimStepFactsOf(c: Pick<CaseRecord, 'carrierClaim' | 'ledger'>): ClaimStepFacts | undefined {
  const claim = c.carrierClaim;
  if (claim === undefined || claim.state !== 'TO_FILE') return undefined;
  return { carrier: claim.carrier, amount: claim.amount, currency: claim.currency, ledger: c.ledger ?? [] };
}

/** The watch fields of a claim (what the due index entry carries). */
export function claimWatchOf(claim: CarrierClaim | undefined): CarrierClaimWatch | undefined {
  if (claim === undefined || claim.state !== 'TO_FILE') return undefined;
  const { claimId, state, fileBy, warnAt, warnedAt } = claim;
  return { claimId, state, fileBy, warnAt, ...(warnedAt === undefined ? {} : { warnedAt }) };
}

export function claimIdFor(caseId: string): string {
  return `clm_${createHash('sha256').update(`carrier-claim\n${caseId}`).digest('hex').slice(0, 24)}`;
}

/** Every cost the carrier bore now falls on the seller; the claim lines no longer pay anything. */
export function moveCarrierCostToSeller(ledger: readonly LedgerLine[], why: string): LedgerLine[] {
  return ledger.map((line) => {
    if (line.bornBy !== 'CARRIER') return line;
    if (line.kind === 'CARRIER_CLAIM')
      return { ...line, paidBy: 'NONE', bornBy: 'SELLER', note: `${line.note}; ${why}: the seller bears it` };
    return { ...line, bornBy: 'SELLER', note: `${line.note}; ${why}: the seller bears it` };
  });
}

/**
 * The carrier's claim window from policy, its name matched without regard to case (marketplaces
 * spell one carrier `DHL-Express`, `dhl-express`); the policy's default for a carrier it names not.
 */
export function fileWithinDays(policy: Policy, carrier: string): number {
  const { carriers, defaultFileWithinDays } = policy.carrierClaims;
  const exact = Object.hasOwn(carriers, carrier) ? carriers[carrier] : undefined;
  if (exact !== undefined) return exact.fileWithinDays;
  const wanted = carrier.toLowerCase();
  const match = Object.entries(carriers).find(([name]) => name.toLowerCase() === wanted);
  return match?.[1].fileWithinDays ?? defaultFileWithinDays;
}

/** A new claim for the carrier's share of `c` (its ledger as it will be written). */
export function openClaim(c: CaseRecord, input: { readonly now: string; readonly policy: Policy; readonly amount: number }): CarrierClaim {
  const ret = c.return;
  // A decision that names the carrier at fault is about the outbound parcel; a ledger claim
  // without one came from the buyer's return parcel lost in transit (return-leg-step.ts).
  const leg: CarrierClaim['leg'] = c.decision?.carrierClaim === true || c.returnLeg?.carrier === undefined ? 'OUTBOUND' : 'RETURN';
  const carrier = (leg === 'OUTBOUND' ? ret.carrier?.code : c.returnLeg?.carrier) ?? 'UNKNOWN';
  const trackingNumber = leg === 'OUTBOUND' ? ret.carrier?.trackingNumber : c.returnLeg?.trackingNumber;
  const shippedAt = leg === 'OUTBOUND' ? (ret.timeline.shippedAt ?? ret.timeline.orderedAt) : (firstScanAt(c.returnLeg) ?? input.now);
  const fileByMs = Date.parse(shippedAt) + fileWithinDays(input.policy, carrier) * DAY_MS;
  const warnAtMs = Math.max(Date.parse(input.now), fileByMs - input.policy.carrierClaims.warnDaysBefore * DAY_MS);
  const scans =
    leg === 'OUTBOUND'
      ? (ret.carrier?.events ?? []).map((e) => ({
          type: e.type,
          at: e.at,
          ...(e.weightGrams === undefined ? {} : { weightGrams: e.weightGrams }),
        }))
      : (c.returnLeg?.scans ?? []).map((s) => ({ type: s.type, at: s.at }));
  const photos = returnWithStaffEvidence(c)
    .evidence.filter((e) => e.kind === 'PACKAGING_PHOTO' || e.kind === 'PRODUCT_PHOTO')
    .map((e) => ({ evidenceId: e.id, kind: e.kind, finding: e.finding }));
  const inspection = c.returnLeg?.inspection;
  return {
    claimId: claimIdFor(c.caseId),
    state: 'TO_FILE',
    carrier,
    ...(trackingNumber === undefined ? {} : { trackingNumber }),
    leg,
    amount: input.amount,
    currency: ret.money.currency,
    shippedAt,
    fileBy: new Date(fileByMs).toISOString(),
    warnAt: new Date(Math.min(warnAtMs, fileByMs)).toISOString(),
    evidence: {
      scans,
      weights: {
        ...(ret.carrier?.weightAtPickupGrams === undefined ? {} : { atPickupGrams: ret.carrier.weightAtPickupGrams }),
        ...(ret.carrier?.weightAtDeliveryGrams === undefined ? {} : { atDeliveryGrams: ret.carrier.weightAtDeliveryGrams }),
      },
      photos,
      ...(inspection === undefined
        ? {}
        : {
            inspection: {
              outcome: inspection.outcome,
              inspectedAt: inspection.inspectedAt,
              ...(inspection.conditionGrade === undefined ? {} : { conditionGrade: inspection.conditionGrade }),
            },
          }),
    },
    policyVersion: policyVersionOf(input.policy),
    openedAt: input.now,
  };
}

function claimEvent(
  next: CaseRecord,
  seq: number,
  at: string,
  actor: Actor,
  action: string,
  details: Record<string, unknown>,
): HistoryEvent {
  return { caseId: next.caseId, version: next.version, seq, at, actor, action, fromStatus: next.status, toStatus: next.status, details };
}

/**
 * Keeps the claim in step with a change about to be committed (every commit of a case goes
 * through here: intake, staff writes, the sweep's whole-case steps). Pure; returns the change
 * unchanged when the carrier's share and the claim agree.
 *
 * - no claim, carrier-borne cost → CARRIER_CLAIM_OPENED (TO_FILE, deadline from the policy);
 * - TO_FILE, another share → CARRIER_CLAIM_AMOUNT_CHANGED; no share left → CARRIER_CLAIM_WITHDRAWN;
 * - EXPIRED or DENIED, and a new ledger puts cost on the carrier again → moved to the seller.
 * A FILED or PAID claim is the carrier's business now: it stays as filed; a later change of the
 * carrier's share is recorded (CARRIER_SHARE_CHANGED_AFTER_FILING, `shareSinceFiling`) for staff.
 */
export function syncCarrierClaim<T extends { readonly next: CaseRecord; readonly events: readonly HistoryEvent[] }>(
  change: T,
  input: { readonly now: string; readonly policy: Policy; readonly actor: Actor },
): T {
  const { next } = change;
  const share = carrierShare(next.ledger);
  const claim = next.carrierClaim;
  const seq = change.events.filter((e) => e.version === next.version).reduce((max, e) => Math.max(max, e.seq + 1), 0);
  const add = (updated: CaseRecord, action: string, details: Record<string, unknown>): T => ({
    ...change,
    next: updated,
    events: [...change.events, claimEvent(updated, seq, input.now, input.actor, action, details)],
  });
  if (claim === undefined) {
    // A cancelled return made nobody whole: there is nothing to recover from the carrier.
    if (share <= 0 || next.status === 'CANCELLED') return change;
    const opened = openClaim(next, { now: input.now, policy: input.policy, amount: share });
    return add({ ...next, carrierClaim: opened }, 'CARRIER_CLAIM_OPENED', {
      claimId: opened.claimId,
      carrier: opened.carrier,
      leg: opened.leg,
      amount: opened.amount,
      currency: opened.currency,
      fileBy: opened.fileBy,
      policyVersion: opened.policyVersion,
    });
  }
  if (claim.state === 'TO_FILE') {
    const cancelled = next.status === 'CANCELLED';
    if (share === claim.amount && !cancelled) return change;
    if (share <= 0 || cancelled) {
      const { carrierClaim: _withdrawn, ...rest } = next;
      const reason = cancelled ? 'RETURN_CANCELLED' : 'NO_CARRIER_COST';
      return add(rest, 'CARRIER_CLAIM_WITHDRAWN', { claimId: claim.claimId, amount: claim.amount, reason });
    }
    return add({ ...next, carrierClaim: { ...claim, amount: share } }, 'CARRIER_CLAIM_AMOUNT_CHANGED', {
      claimId: claim.claimId,
      fromAmount: claim.amount,
      toAmount: share,
    });
  }
  if ((claim.state === 'FILED' || claim.state === 'PAID') && share !== (claim.shareSinceFiling ?? claim.amount)) {
    // Filed with the carrier for `amount`: that stands (it is the carrier's business now), but a
    // later decision that changes the carrier's share is recorded once per change, for staff to
    // amend the claim with the carrier or to settle the difference.
    return add({ ...next, carrierClaim: { ...claim, shareSinceFiling: share } }, 'CARRIER_SHARE_CHANGED_AFTER_FILING', {
      claimId: claim.claimId,
      state: claim.state,
      filedAmount: claim.amount,
      share,
    });
  }
  if ((claim.state === 'EXPIRED' || claim.state === 'DENIED') && (next.ledger ?? []).some((l) => l.bornBy === 'CARRIER')) {
    const why = claim.state === 'EXPIRED' ? 'carrier claim expired' : 'carrier claim denied';
    const ledger = moveCarrierCostToSeller(next.ledger ?? [], why);
    return add({ ...next, ledger }, 'CARRIER_COST_MOVED_TO_SELLER', { claimId: claim.claimId, state: claim.state, amount: share });
  }
  return change;
}

/**
 * What a claim's deadline does as of `now`, from its watch fields and step facts alone: before
 * `fileBy`, a warning (CARRIER_CLAIM_DEADLINE_WARNING, once); at or after it, expiry with the
 * carrier's cost moved to the seller (CARRIER_CLAIM_EXPIRED). Undefined when nothing is due.
 * The one rule behind both the whole-case step (claimDeadlineStep) and the one planned from
 * the due index entry (escalation.ts, claimDeadlinePatch).
 */
export type ClaimDeadlineOutcome =
  | { readonly kind: 'WARNED'; readonly action: string; readonly details: Record<string, unknown>; readonly watch: CarrierClaimWatch }
  | { readonly kind: 'EXPIRED'; readonly action: string; readonly details: Record<string, unknown>; readonly ledger: LedgerLine[] };

export function claimDeadlineOutcome(claim: CarrierClaimWatch, step: ClaimStepFacts, now: string): ClaimDeadlineOutcome | undefined {
  const dueAt = claimDueAt(claim);
  if (dueAt === undefined || Date.parse(dueAt) > Date.parse(now)) return undefined;
  const details = { claimId: claim.claimId, carrier: step.carrier, amount: step.amount, currency: step.currency, fileBy: claim.fileBy };
  if (Date.parse(now) < Date.parse(claim.fileBy)) {
    return { kind: 'WARNED', action: 'CARRIER_CLAIM_DEADLINE_WARNING', details, watch: { ...claim, warnedAt: now } };
  }
  return {
    kind: 'EXPIRED',
    action: 'CARRIER_CLAIM_EXPIRED',
    details: { ...details, costMovedTo: 'SELLER' },
    ledger: moveCarrierCostToSeller(step.ledger, 'carrier claim expired'),
  };
}

export type ClaimDeadlineStep = { readonly kind: 'WARNED' | 'EXPIRED'; readonly next: CaseRecord; readonly events: HistoryEvent[] };

/** The claim's deadline (claimDeadlineOutcome) on the whole case, as of `now`; undefined when none is due. */
export function claimDeadlineStep(
  c: CaseRecord,
  input: { readonly now: string; readonly actor?: Actor; readonly expectedVersion: number },
): ClaimDeadlineStep | undefined {
  const claim = c.carrierClaim;
  const watch = claimWatchOf(claim);
  const step = claimStepFactsOf(c);
  if (c.version !== input.expectedVersion || claim === undefined || watch === undefined || step === undefined) return undefined;
  const outcome = claimDeadlineOutcome(watch, step, input.now);
  if (outcome === undefined) return undefined;
  const base: CaseRecord = { ...c, version: c.version + 1, updatedAt: input.now };
  const next: CaseRecord =
    outcome.kind === 'WARNED'
      ? { ...base, carrierClaim: { ...claim, warnedAt: input.now } }
      : { ...base, ledger: outcome.ledger, carrierClaim: { ...claim, state: 'EXPIRED', expiredAt: input.now } };
  return {
    kind: outcome.kind,
    next,
    events: [claimEvent(next, 0, input.now, input.actor ?? CLAIM_ACTOR, outcome.action, outcome.details)],
  };
}

function claimOf(current: CaseRecord): CarrierClaim {
  const claim = current.carrierClaim;
  if (claim === undefined) throw new ConflictError(`Case ${current.caseId} has no carrier claim`);
  return claim;
}

/** Staff filed the claim with the carrier (its reference), before the filing deadline. */
export function recordClaimFiling(
  current: CaseRecord,
  ctx: StaffActionContext,
  input: { readonly claimReference: string; readonly filedAt?: string | undefined },
): StaffChange {
  const claim = claimOf(current);
  if (claim.state !== 'TO_FILE') throw new ConflictError(`Carrier claim ${claim.claimId} is ${claim.state}, not TO_FILE`);
  const filedAt = input.filedAt ?? ctx.now;
  if (Date.parse(filedAt) > Date.parse(ctx.now)) {
    throw new ValidationError('Times must not lie in the future', [
      { field: 'filedAt', problem: `must not be later than now (${ctx.now})` },
    ]);
  }
  if (Date.parse(filedAt) > Date.parse(claim.fileBy)) {
    throw new ConflictError(`Carrier claim ${claim.claimId} had to be filed by ${claim.fileBy}; it is lost`);
  }
  const next: CaseRecord = {
    ...current,
    version: current.version + 1,
    updatedAt: ctx.now,
    carrierClaim: { ...claim, state: 'FILED', filedAt, filedBy: ctx.actor.id, claimReference: input.claimReference },
  };
  return {
    next,
    events: [
      claimEvent(next, 0, ctx.now, ctx.actor, 'CARRIER_CLAIM_FILED', {
        claimId: claim.claimId,
        carrier: claim.carrier,
        claimReference: input.claimReference,
        filedAt,
        amount: claim.amount,
        currency: claim.currency,
      }),
    ],
  };
}

/** Staff record the carrier's answer to a filed claim: paid (what it paid) or denied. */
export function recordClaimOutcome(
  current: CaseRecord,
  ctx: StaffActionContext,
  input: { readonly outcome: 'PAID' | 'DENIED'; readonly recoveredAmount?: number | undefined; readonly reason?: string | undefined },
): StaffChange {
  const claim = claimOf(current);
  if (claim.state !== 'FILED') throw new ConflictError(`Carrier claim ${claim.claimId} is ${claim.state}, not FILED`);
  const base: CaseRecord = { ...current, version: current.version + 1, updatedAt: ctx.now };
  if (input.outcome === 'PAID') {
    const recoveredAmount = input.recoveredAmount ?? claim.amount;
    if (recoveredAmount <= 0 || recoveredAmount > claim.amount) {
      throw new ValidationError('The amount recovered must be positive and at most the amount claimed', [
        { field: 'recoveredAmount', problem: `must be between 1 and ${claim.amount}` },
      ]);
    }
    const next: CaseRecord = { ...base, carrierClaim: { ...claim, state: 'PAID', settledAt: ctx.now, recoveredAmount } };
    return {
      next,
      events: [
        claimEvent(next, 0, ctx.now, ctx.actor, 'CARRIER_CLAIM_PAID', {
          claimId: claim.claimId,
          amount: claim.amount,
          recoveredAmount,
          currency: claim.currency,
          ...(recoveredAmount < claim.amount ? { shortfallBornBy: 'SELLER', shortfall: claim.amount - recoveredAmount } : {}),
        }),
      ],
    };
  }
  const next: CaseRecord = {
    ...base,
    ledger: moveCarrierCostToSeller(current.ledger ?? [], 'carrier claim denied'),
    carrierClaim: { ...claim, state: 'DENIED', settledAt: ctx.now, ...(input.reason === undefined ? {} : { denialReason: input.reason }) },
  };
  return {
    next,
    events: [
      claimEvent(next, 0, ctx.now, ctx.actor, 'CARRIER_CLAIM_DENIED', {
        claimId: claim.claimId,
        amount: claim.amount,
        currency: claim.currency,
        costMovedTo: 'SELLER',
      }),
    ],
  };
}
