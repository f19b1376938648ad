/**
 * Backtest a candidate policy (issue #17; Stripe Radar's rule backtesting is the anchor):
 * replay the stored facts of past cases under the policy in force and under the candidate,
 * and report what would change. Read-only: the table is only scanned.
 *
 * A case's facts are its stored return snapshot plus staff evidence, at the time of its
 * current decision (`decision.decidedAt`): exactly what the engine weighed then. Both sides
 * are decided again with today's rule chain, so the difference is the policy's alone (a
 * change of rules between then and now does not show up as a policy change).
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { fromCaseItem, itemKindOf } from '#lib/adapters/dynamodb/table-schema.ts';
import { StaticPolicyProvider } from '#lib/adapters/static-policy-provider.ts';
import { decide } from '#lib/decision/decide.ts';
import type { Decision } from '#lib/decision/decision-schema.ts';
import { factsFromReturn } from '#lib/decision/facts.ts';
import { defaultPolicy, type Policy } from '#lib/decision/policy.ts';
import type { PolicyProvider } from '#lib/ports/policy-provider.ts';
import { type CaseRecord, returnWithStaffEvidence } from '#lib/workflow/case.ts';

/** Every case item of the table, by a paginated Scan (the only call made: read-only). */
export async function* scanCases(client: DynamoDBDocumentClient, tableName: string): AsyncGenerator<CaseRecord> {
  let startKey: Record<string, unknown> | undefined;
  do {
    const out = await client.send(new ScanCommand({ TableName: tableName, ExclusiveStartKey: startKey }));
    for (const item of out.Items ?? []) {
      if (itemKindOf(item).kind === 'CASE') yield fromCaseItem(item);
    }
    startKey = out.LastEvaluatedKey;
  } while (startKey !== undefined);
}

/** The policies in force, with the candidate in place of its marketplace's (or the default) policy. */
export function candidateProvider(
  candidate: Policy,
  marketplacePolicies: readonly unknown[],
  sellerOverrides: readonly unknown[],
): PolicyProvider {
  const others = marketplacePolicies.filter((p) => (p as { marketplace?: unknown } | null)?.marketplace !== candidate.marketplace);
  return candidate.marketplace === 'default'
    ? new StaticPolicyProvider(others, candidate, sellerOverrides)
    : new StaticPolicyProvider([...others, candidate], defaultPolicy, sellerOverrides);
}

type Party = 'carrier' | 'seller' | 'buyer' | 'none';

interface Side {
  readonly outcome: Decision['outcome'];
  readonly remedy: Decision['recommendedRemedy'];
  readonly party: Party;
  readonly refund: number;
  readonly costBearer: Decision['costBearer'];
  readonly policyVersion: string;
  readonly summary: string;
  /** Fired rules only: `id@version: explanation`. */
  readonly trace: readonly string[];
}

export interface ChangedCase {
  readonly caseId: string;
  readonly reason: string;
  readonly currency: string;
  readonly current: Side;
  readonly candidate: Side;
}

export interface BacktestReport {
  readonly candidateVersion: string;
  readonly candidateMarketplace: string;
  /** Cases read from the table. */
  readonly cases: number;
  /** Cases with a decision to replay. */
  readonly replayed: number;
  /** Replayed cases whose policy is the candidate's (its marketplace, or default for the rest). */
  readonly inScope: number;
  readonly changed: number;
  /** Per reason code: cases replayed and changed. */
  readonly byClass: Record<string, { replayed: number; changed: number }>;
  /**
   * Per currency, minor units, candidate minus current: what the buyer is refunded, and the
   * cost each bearer carries (SELLER, CARRIER, PLATFORM, BUYER).
   */
  readonly moneyDelta: Record<string, Record<string, number>>;
  readonly reviewRate: { current: number; candidate: number; delta: number };
  readonly sample: readonly ChangedCase[];
}

function side(d: Decision): Side {
  return {
    outcome: d.outcome,
    remedy: d.recommendedRemedy,
    party: d.allocation.kind === 'NO_FAULT' ? 'none' : d.allocation.dominant,
    refund: d.refund.amount,
    costBearer: d.costBearer,
    policyVersion: d.policyVersion,
    summary: d.summary,
    trace: d.trace.filter((t) => t.fired).map((t) => `${t.ruleId}@${t.ruleVersion}: ${t.explanation}`),
  };
}

function differs(a: Side, b: Side): boolean {
  return a.outcome !== b.outcome || a.remedy !== b.remedy || a.party !== b.party || a.refund !== b.refund || a.costBearer !== b.costBearer;
}

function add(into: Record<string, Record<string, number>>, currency: string, key: string, amount: number): void {
  if (amount === 0) return;
  const row = into[currency] ?? {};
  into[currency] = row;
  row[key] = (row[key] ?? 0) + amount;
}

const rate = (n: number, of: number) => (of === 0 ? 0 : Math.round((n / of) * 10_000) / 10_000);

/**
 * Replay cases under the policies in force and under the candidate's.
 *
 * @param sampleSize - changed cases reported with both traces (the first by case id).
 */
export async function backtest(
  cases: AsyncIterable<CaseRecord> | Iterable<CaseRecord>,
  options: { current: PolicyProvider; candidate: PolicyProvider; candidatePolicy: Policy; sampleSize?: number },
): Promise<BacktestReport> {
  let read = 0;
  let replayed = 0;
  let inScope = 0;
  let reviewsNow = 0;
  let reviewsThen = 0;
  const byClass: Record<string, { replayed: number; changed: number }> = {};
  const moneyDelta: Record<string, Record<string, number>> = {};
  const changed: ChangedCase[] = [];
  for await (const c of cases) {
    read++;
    if (c.decision === undefined) continue;
    replayed++;
    const facts = factsFromReturn(returnWithStaffEvidence(c), c.decision.decidedAt);
    const nowPolicy = options.current.policyFor(c.marketplace, c.sellerId);
    const candPolicy = options.candidate.policyFor(c.marketplace, c.sellerId);
    if (candPolicy.marketplace === options.candidatePolicy.marketplace) inScope++;
    const now = side(decide(facts, nowPolicy));
    const cand = nowPolicy === candPolicy ? now : side(decide(facts, candPolicy));
    if (now.outcome === 'MANUAL_REVIEW') reviewsNow++;
    if (cand.outcome === 'MANUAL_REVIEW') reviewsThen++;
    const cls = byClass[c.return.reason] ?? { replayed: 0, changed: 0 };
    byClass[c.return.reason] = cls;
    cls.replayed++;
    if (!differs(now, cand)) continue;
    cls.changed++;
    const currency = facts.money.currency;
    add(moneyDelta, currency, 'BUYER_REFUNDED', cand.refund - now.refund);
    add(moneyDelta, currency, `COST_${now.costBearer}`, -now.refund);
    add(moneyDelta, currency, `COST_${cand.costBearer}`, cand.refund);
    changed.push({ caseId: c.caseId, reason: c.return.reason, currency, current: now, candidate: cand });
  }
  // Drop zero rows left by costs that moved and came back.
  for (const [currency, row] of Object.entries(moneyDelta)) {
    for (const k of Object.keys(row)) if (row[k] === 0) delete row[k];
    if (Object.keys(row).length === 0) delete moneyDelta[currency];
  }
  changed.sort((a, b) => (a.caseId < b.caseId ? -1 : a.caseId > b.caseId ? 1 : 0));
  return {
    candidateVersion: options.candidatePolicy.version,
    candidateMarketplace: options.candidatePolicy.marketplace,
    cases: read,
    replayed,
    inScope,
    changed: changed.length,
    byClass,
    moneyDelta,
    reviewRate: {
      current: rate(reviewsNow, replayed),
      candidate: rate(reviewsThen, replayed),
      delta: Math.round((rate(reviewsThen, replayed) - rate(reviewsNow, replayed)) * 10_000) / 10_000,
    },
    sample: changed.slice(0, options.sampleSize ?? 5),
  };
}

/** The report for people: what would change, by class and by party, with sample traces. */
export function backtestText(r: BacktestReport): string {
  const lines = [
    `Backtest of policy ${r.candidateMarketplace} ${r.candidateVersion}`,
    `cases read ${r.cases}, replayed ${r.replayed}, under the candidate ${r.inScope}, decisions changed ${r.changed}`,
    `review rate ${(r.reviewRate.current * 100).toFixed(2)}% → ${(r.reviewRate.candidate * 100).toFixed(2)}% (${r.reviewRate.delta >= 0 ? '+' : ''}${(r.reviewRate.delta * 100).toFixed(2)} points)`,
    '',
    'Changed by class (reason code: changed / replayed):',
    ...Object.entries(r.byClass)
      .filter(([, v]) => v.changed > 0)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([k, v]) => `  ${k}: ${v.changed} / ${v.replayed}`),
    '',
    'Money delta by party (candidate minus current, minor units):',
    ...Object.entries(r.moneyDelta).map(
      ([cur, row]) =>
        `  ${cur}: ${Object.entries(row)
          .map(([k, v]) => `${k} ${v >= 0 ? '+' : ''}${v}`)
          .join(', ')}`,
    ),
  ];
  for (const s of r.sample) {
    lines.push('', `Case ${s.caseId} (${s.reason}, ${s.currency})`);
    for (const [label, d] of [
      ['current', s.current],
      ['candidate', s.candidate],
    ] as const) {
      lines.push(`  ${label} [${d.policyVersion}]: ${d.summary}`);
      for (const t of d.trace) lines.push(`    - ${t}`);
    }
  }
  return lines.join('\n');
}
