/**
 * Labelled evaluation of the rule chain (issue #17).
 *
 * The cases in bench/eval/cases/*.json are written by hand from the domain brief
 * (/work/shared/docs/domain.md), never generated from the rules: each names what a careful
 * after-sales lead would decide (dominant party or none, remedy class, refund bounds) and why,
 * or, for conflicting or missing evidence, that a person must decide (`review: true`).
 *
 * A case is a compact description over a base order (CNY 299.00 item + 12.00 shipping, paid
 * 311.00, another province, ordered day 0, shipped day 1, ship-by day 2, promised day 5,
 * delivered day 4, claimed day 5, decided 0.1 day after the claim); times are day offsets.
 * {@link buildFacts} expands it into facts, which are validated like any input.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as z from 'zod';
import { decide } from '#lib/decision/decide.ts';
import type { Decision, RecommendedRemedy } from '#lib/decision/decision-schema.ts';
import { FactsSchema, type Facts } from '#lib/decision/facts.ts';
import { defaultPolicy, parsePolicy, type Policy } from '#lib/decision/policy.ts';

const T0_MS = Date.parse('2026-09-01T08:00:00.000Z');
const DAY_MS = 86_400_000;
const at = (d: number) => new Date(T0_MS + d * DAY_MS).toISOString();

export const partyLabels = ['carrier', 'seller', 'buyer', 'none'] as const;
export type PartyLabel = (typeof partyLabels)[number];
const remedyLabels = ['FULL_REFUND', 'PARTIAL_REFUND', 'RETURN_AND_REFUND', 'RESHIP', 'REPAIR', 'NO_REFUND_NEEDED', 'REJECT'] as const;

const dayOrNull = z.number().min(0).max(400).nullable();

export const EvalCaseSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9-]+$/),
  why: z.string().min(10),
  reason: z.string(),
  ticket: z.enum(['RETURN', 'REPAIR', 'WARRANTY', 'COMPLAINT']).optional(),
  request: z.enum(['FULL_REFUND', 'PARTIAL_REFUND', 'RETURN_AND_REFUND', 'REPLACEMENT', 'REPAIR']),
  requestedAmount: z.number().int().nonnegative().optional(),
  hazard: z.enum(['NONE', 'WATER_LEAK', 'ELECTRIC_SHOCK', 'FIRE_RISK']).optional(),
  /** [currency, item value, amount paid, outbound shipping], minor units. */
  money: z.tuple([z.string(), z.number().int(), z.number().int(), z.number().int()]).optional(),
  region: z.enum(['SAME_CITY', 'OTHER_PROVINCE', 'CROSS_BORDER']).optional(),
  carrier: z.string().optional(),
  substitute: z.boolean().optional(),
  days: z
    .strictObject({
      ship: dayOrNull.optional(),
      shipBy: dayOrNull.optional(),
      promise: dayOrNull.optional(),
      deliver: dayOrNull.optional(),
      claim: z.number().optional(),
      decide: z.number().optional(),
    })
    .optional(),
  /** Scans as [type, day] (or [type, day, grams]); default: picked up, in transit, delivered. */
  scans: z.array(z.tuple([z.string(), z.number()]).or(z.tuple([z.string(), z.number(), z.number()]))).optional(),
  weights: z.tuple([z.number().int(), z.number().int()]).optional(),
  inspection: z.string().optional(),
  /** Evidence as [kind, finding, submitter]. */
  evidence: z.array(z.tuple([z.string(), z.string(), z.string()])).optional(),
  window: z.number().int().optional(),
  buyer: z.strictObject({ claimRate: z.number().optional(), priorAbuse: z.boolean().optional() }).optional(),
  sellerDefectRate: z.number().optional(),
  /** Returned line items as [quantity, reason, unit value or null]. */
  items: z.array(z.tuple([z.number().int(), z.string(), z.number().int().nullable()])).optional(),
  repair: z
    .strictObject({
      status: z.enum(['IN_PROGRESS', 'COMPLETED', 'FAILED']),
      start: z.number(),
      promised: z.number().optional(),
      attempts: z.number().int(),
      failed: z.number().int(),
      backordered: z.boolean().optional(),
    })
    .optional(),
  /** Name of a policy file under functions/lib/decision/policies (default policy otherwise). */
  policy: z.string().optional(),
  expect: z.union([
    z.strictObject({
      review: z.literal(false),
      party: z.enum(partyLabels),
      remedy: z.enum(remedyLabels),
      refund: z.tuple([z.number().int(), z.number().int()]),
    }),
    z.strictObject({ review: z.literal(true), note: z.string().optional() }),
  ]),
});
export type EvalCase = z.infer<typeof EvalCaseSchema>;

/** Expand a compact case into facts (validated by FactsSchema, as any input is). */
export function buildFacts(c: EvalCase): Facts {
  const d = c.days ?? {};
  const pick = (v: number | null | undefined, fallback: number) => (v === undefined ? fallback : v);
  const ship = pick(d.ship, 1);
  const deliver = pick(d.deliver, 4);
  const claim = d.claim ?? (deliver ?? ship ?? 0) + 1;
  const decideDay = d.decide ?? claim + 0.1;
  const shipBy = pick(d.shipBy, 2);
  const promise = pick(d.promise, 5);
  const defaultScans: [string, number][] = [];
  if (ship !== null) defaultScans.push(['PICKED_UP', ship]);
  if (ship !== null && deliver !== null) defaultScans.push(['IN_TRANSIT', (ship + deliver) / 2]);
  if (deliver !== null) defaultScans.push(['DELIVERED', deliver]);
  const scans = (c.scans ?? defaultScans).map((s) =>
    s.length === 3 ? { type: s[0], at: at(s[1]), weightGrams: s[2] } : { type: s[0], at: at(s[1]) },
  );
  const [currency, itemValue, amountPaid, shippingCost] = c.money ?? ['CNY', 29_900, 31_100, 1_200];
  const timeline: Record<string, string> = { orderedAt: at(0), claimedAt: at(claim), decidedAt: at(decideDay) };
  if (ship !== null) timeline.shippedAt = at(ship);
  if (shipBy !== null) timeline.promisedShipBy = at(shipBy);
  if (promise !== null) timeline.promisedDeliveryAt = at(promise);
  if (deliver !== null) timeline.deliveredAt = at(deliver);
  const carrier: Record<string, unknown> = {
    code: c.carrier ?? 'SF-EXPRESS',
    events: scans,
    notTheAgreedCarrier: c.substitute ?? false,
  };
  // As factsFromReturn does: the carrier record's weights or, failing those, the scans' own.
  const scanWeight = (type: string) => scans.find((s) => s.type === type && 'weightGrams' in s)?.weightGrams;
  const pickupGrams = c.weights?.[0] ?? scanWeight('PICKED_UP');
  const deliveryGrams = c.weights?.[1] ?? scanWeight('DELIVERED');
  if (pickupGrams !== undefined) carrier.weightAtPickupGrams = pickupGrams;
  if (deliveryGrams !== undefined) carrier.weightAtDeliveryGrams = deliveryGrams;
  const facts: Record<string, unknown> = {
    reason: c.reason,
    ticketType: c.ticket ?? 'RETURN',
    requestedRemedy: c.request,
    safetyHazard: c.hazard ?? 'NONE',
    timeline,
    money: { currency, itemValue, amountPaid, shippingCost },
    shippingRegion: c.region ?? 'OTHER_PROVINCE',
    carrier,
    deliveryInspection: c.inspection ?? 'UNKNOWN',
    evidence: (c.evidence ?? []).map(([kind, finding, submittedBy]) => ({ kind, finding, submittedBy })),
    listing: c.window === undefined ? {} : { returnWindowDays: c.window },
    buyer: {
      priorAbuse: c.buyer?.priorAbuse ?? false,
      ...(c.buyer?.claimRate === undefined ? {} : { claimRate: c.buyer.claimRate }),
    },
    seller: c.sellerDefectRate === undefined ? {} : { defectRate: c.sellerDefectRate },
  };
  if (c.requestedAmount !== undefined) facts.requestedAmount = c.requestedAmount;
  if (c.items !== undefined) {
    facts.lineItems = c.items.map(([quantity, reason, unitValue]) =>
      unitValue === null ? { quantity, reason } : { quantity, reason, unitValue },
    );
  }
  if (c.repair !== undefined) {
    const r = c.repair;
    facts.repair = {
      status: r.status,
      startedAt: at(r.start),
      ...(r.promised === undefined ? {} : { promisedCompletionAt: at(r.promised) }),
      attempts: r.attempts,
      failedAttempts: r.failed,
      partsBackordered: r.backordered ?? false,
    };
  }
  const parsed = FactsSchema.safeParse(facts);
  if (!parsed.success) throw new Error(`eval case ${c.id}: invalid facts: ${parsed.error.message}`);
  return parsed.data;
}

export interface CaseResult {
  readonly id: string;
  readonly why: string;
  readonly expectedReview: boolean;
  readonly expected: EvalCase['expect'];
  readonly outcome: Decision['outcome'];
  readonly party: PartyLabel;
  readonly remedy: RecommendedRemedy;
  readonly refund: number;
  readonly paid: number;
  readonly partyOk: boolean;
  readonly remedyOk: boolean;
  readonly refundOk: boolean;
  /** Clear case: decided automatically with party, remedy and refund right. Conflicting: sent to review. */
  readonly correct: boolean;
  readonly primaryReasonCode: string;
  readonly reviewReasons: readonly string[];
}

export interface EvalReport {
  readonly cases: number;
  readonly clear: number;
  readonly conflicting: number;
  readonly clearCorrectAutomatic: number;
  readonly conflictingToReview: number;
  readonly accuracy: { party: number; remedy: number; refund: number };
  readonly refundsAbovePaid: readonly string[];
  readonly partyConfusion: Record<string, Record<string, number>>;
  readonly remedyConfusion: Record<string, Record<string, number>>;
  readonly results: readonly CaseResult[];
  readonly goals: { clearCorrectAutomatic: boolean; conflictingToReview: boolean; noRefundAbovePaid: boolean };
}

export const CASES_DIR = join(import.meta.dirname, 'cases');
/** Policy files a case may name (`policy`): the marketplace policies shipped with the code. */
export const POLICIES_DIR = join(import.meta.dirname, '..', '..', 'functions', 'lib', 'decision', 'policies');

export function loadCases(dir = CASES_DIR): EvalCase[] {
  const cases: EvalCase[] = [];
  const ids = new Set<string>();
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()) {
    const raw: unknown = JSON.parse(readFileSync(join(dir, file), 'utf8'));
    const parsed = z.array(EvalCaseSchema).safeParse(raw);
    if (!parsed.success) throw new Error(`${file}: ${z.prettifyError(parsed.error)}`);
    for (const c of parsed.data) {
      if (ids.has(c.id)) throw new Error(`${file}: duplicate case id ${c.id}`);
      ids.add(c.id);
      cases.push(c);
    }
  }
  return cases;
}

function partyOf(d: Decision): PartyLabel {
  return d.allocation.kind === 'NO_FAULT' ? 'none' : d.allocation.dominant;
}

function share(n: number, of: number): number {
  return of === 0 ? 1 : Math.round((n / of) * 10_000) / 10_000;
}

/** Decide every case and score it against its label. */
export function evaluate(cases: readonly EvalCase[], policies: (name: string) => Policy = loadEvalPolicy): EvalReport {
  const results: CaseResult[] = [];
  const partyConfusion: Record<string, Record<string, number>> = {};
  const remedyConfusion: Record<string, Record<string, number>> = {};
  const refundsAbovePaid: string[] = [];
  let partyHits = 0;
  let remedyHits = 0;
  let refundHits = 0;
  for (const c of cases) {
    const facts = buildFacts(c);
    const d = decide(facts, c.policy === undefined ? defaultPolicy : policies(c.policy));
    const party = partyOf(d);
    const paid = facts.money.amountPaid;
    if (d.refund.amount > paid) refundsAbovePaid.push(c.id);
    const e = c.expect;
    let partyOk = true;
    let remedyOk = true;
    let refundOk = true;
    let correct: boolean;
    if (e.review) {
      correct = d.outcome === 'MANUAL_REVIEW';
    } else {
      partyOk = party === e.party;
      remedyOk = d.recommendedRemedy === e.remedy;
      refundOk = d.refund.amount >= e.refund[0] && d.refund.amount <= e.refund[1];
      correct = d.outcome === 'DECIDED' && partyOk && remedyOk && refundOk;
      if (partyOk) partyHits++;
      if (remedyOk) remedyHits++;
      if (refundOk) refundHits++;
      const pRow = partyConfusion[e.party] ?? {};
      partyConfusion[e.party] = pRow;
      pRow[party] = (pRow[party] ?? 0) + 1;
      const rRow = remedyConfusion[e.remedy] ?? {};
      remedyConfusion[e.remedy] = rRow;
      rRow[d.recommendedRemedy] = (rRow[d.recommendedRemedy] ?? 0) + 1;
    }
    results.push({
      id: c.id,
      why: c.why,
      expectedReview: e.review,
      expected: e,
      outcome: d.outcome,
      party,
      remedy: d.recommendedRemedy,
      refund: d.refund.amount,
      paid,
      partyOk,
      remedyOk,
      refundOk,
      correct,
      primaryReasonCode: d.primaryReasonCode,
      reviewReasons: d.reviewReasons,
    });
  }
  const clear = results.filter((r) => !r.expectedReview);
  const conflicting = results.filter((r) => r.expectedReview);
  const clearCorrectAutomatic = share(clear.filter((r) => r.correct).length, clear.length);
  const conflictingToReview = share(conflicting.filter((r) => r.correct).length, conflicting.length);
  return {
    cases: results.length,
    clear: clear.length,
    conflicting: conflicting.length,
    clearCorrectAutomatic,
    conflictingToReview,
    accuracy: {
      party: share(partyHits, clear.length),
      remedy: share(remedyHits, clear.length),
      refund: share(refundHits, clear.length),
    },
    refundsAbovePaid,
    partyConfusion,
    remedyConfusion,
    results,
    goals: {
      clearCorrectAutomatic: clearCorrectAutomatic >= 0.95,
      conflictingToReview: conflictingToReview === 1,
      noRefundAbovePaid: refundsAbovePaid.length === 0,
    },
  };
}

const policyCache = new Map<string, Policy>();
export function loadEvalPolicy(name: string): Policy {
  let p = policyCache.get(name);
  if (p === undefined) {
    p = parsePolicy(JSON.parse(readFileSync(join(POLICIES_DIR, name), 'utf8')));
    policyCache.set(name, p);
  }
  return p;
}

function pct(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}

function matrix(title: string, m: Record<string, Record<string, number>>): string {
  const cols = [...new Set(Object.values(m).flatMap((r) => Object.keys(r)))].sort();
  const rows = Object.keys(m).sort();
  const head = `| expected \\ decided | ${cols.join(' | ')} |\n|---|${cols.map(() => '---:').join('|')}|`;
  const body = rows.map((r) => `| ${r} | ${cols.map((c) => m[r]?.[c] ?? 0).join(' | ')} |`).join('\n');
  return `${title}\n\n${head}\n${body}`;
}

/** The report as Markdown: the BENCHMARKS.md section. */
export function reportMarkdown(r: EvalReport): string {
  const misses = r.results.filter((x) => !x.correct);
  const missLines = misses
    .map(
      (x) =>
        `| ${x.id} | ${x.expectedReview ? 'review' : `${(x.expected as { party: string }).party} / ${(x.expected as { remedy: string }).remedy}`} | ${x.outcome === 'MANUAL_REVIEW' ? `review (${x.reviewReasons.join(', ')})` : ''} ${x.party} / ${x.remedy} / ${x.refund} | ${x.why} |`,
    )
    .join('\n');
  const ok = (b: boolean) => (b ? 'met' : '**NOT met**');
  return `## Judgement evaluation (labelled cases)

Produced by \`npm run eval\` over the ${r.cases} hand-labelled cases in \`bench/eval/cases/\`
(written from the domain brief, not from the rules; raw results in \`bench/results/eval.json\`).
${r.clear} clear cases, ${r.conflicting} with conflicting or missing evidence that must go to a person.

| measure | value | goal |
|---|---:|---|
| clear cases decided automatically and correctly (party, remedy, refund) | ${pct(r.clearCorrectAutomatic)} | ≥ 95%: ${ok(r.goals.clearCorrectAutomatic)} |
| conflicting cases sent to review | ${pct(r.conflictingToReview)} | 100%: ${ok(r.goals.conflictingToReview)} |
| refunds above the amount paid | ${r.refundsAbovePaid.length} | 0: ${ok(r.goals.noRefundAbovePaid)} |
| dominant party accuracy (clear cases) | ${pct(r.accuracy.party)} | |
| remedy class accuracy (clear cases) | ${pct(r.accuracy.remedy)} | |
| refund within bounds (clear cases) | ${pct(r.accuracy.refund)} | |

${matrix('Dominant party (clear cases; rows expected, columns decided):', r.partyConfusion)}

${matrix('Remedy class (clear cases; rows expected, columns recommended):', r.remedyConfusion)}

${misses.length === 0 ? 'Every case was judged as labelled.' : `Cases not judged as labelled:\n\n| case | expected | got | why (label) |\n|---|---|---|---|\n${missLines}`}`;
}
