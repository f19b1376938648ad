import { ConcurrentModificationError } from '../contract/errors.ts';
import type { CaseStore } from '../ports/case-store.ts';
import type { Clock } from '../ports/clock.ts';
import type { PaidRefund, PaidRefunds, ProviderRefund, ProviderRefundLedger } from '../ports/refund-records.ts';
import { subjectOf } from '../workflow/notifications.ts';

export type ReconcileDeps = {
  readonly store: CaseStore;
  readonly paid: PaidRefunds;
  /** The providers whose own record can be listed (Stripe); others are reported as not checked. */
  readonly ledgers: readonly ProviderRefundLedger[];
  readonly clock: Clock;
};

export const mismatchKinds = ['PAID_TWICE', 'PAID_NOT_RECORDED', 'RECORDED_NOT_PAID', 'AMOUNT_DIFFERS'] as const;
export type MismatchKind = (typeof mismatchKinds)[number];

export type Mismatch = {
  readonly kind: MismatchKind;
  readonly provider: string;
  readonly caseId?: string;
  readonly refundId?: string;
  readonly detail: string;
  /** The provider's references involved (for the operator to look up). */
  readonly references: readonly string[];
};

export type ReconcileResult = {
  readonly from: string;
  readonly to: string;
  readonly recorded: number;
  readonly providerRefunds: number;
  readonly mismatches: readonly Mismatch[];
  /** Mismatches written to their case's history (those with a case). */
  readonly flagged: number;
};

/** How far either side may lag the other at the window's edges (a refund paid at 23:59:59, recorded at 00:00:01). */
export const EDGE_MS = 60 * 60_000;

/**
 * Compares the refunds the case store records as paid with each provider's own record, over a
 * window (#16).
 *
 * Steps:
 * 1. Read both sides over the window widened by EDGE_MS, so a refund on one side just inside
 *    the window finds its other half just outside; only mismatches of a refund inside the
 *    window (on either side) are reported, so consecutive windows never report one twice.
 * 2. Match by our refund id (the provider's metadata):
 *    - PAID_TWICE: the provider made two or more refunds for one refund id;
 *    - PAID_NOT_RECORDED: the provider paid a refund no case records as paid;
 *    - RECORDED_NOT_PAID: a case records a refund paid through this provider that it has no trace of;
 *    - AMOUNT_DIFFERS: both have it, for different amounts or currencies.
 * 3. Each mismatch with a case gets a RECONCILIATION_MISMATCH event in that case's history (a
 *    conditional write, retried on a lost race; the case's status is untouched). With `dryRun`
 *    nothing is written.
 */
export async function reconcileRefunds(
  deps: ReconcileDeps,
  input: { from: string; to: string; dryRun?: boolean },
): Promise<ReconcileResult> {
  const from = Date.parse(input.from);
  const to = Date.parse(input.to);
  const wide = { from: new Date(from - EDGE_MS).toISOString(), to: new Date(to + EDGE_MS).toISOString() };
  const inside = (iso: string) => Date.parse(iso) >= from && Date.parse(iso) < to;
  const recorded = await deps.paid.listPaid(wide.from, wide.to);
  const mismatches: Mismatch[] = [];
  let providerRefunds = 0;
  for (const ledger of deps.ledgers) {
    const theirs = await ledger.listRefunds(wide.from, wide.to);
    providerRefunds += theirs.filter((r) => inside(r.at)).length;
    const ours = recorded.filter((r) => r.provider === ledger.provider);
    mismatches.push(...compare(ledger.provider, ours, theirs, inside));
  }
  let flagged = 0;
  if (input.dryRun !== true) {
    for (const m of mismatches) {
      if (m.caseId !== undefined && (await flag(deps, m.caseId, m))) flagged += 1;
    }
  }
  return {
    from: input.from,
    to: input.to,
    recorded: recorded.filter((r) => inside(r.paidAt)).length,
    providerRefunds,
    mismatches,
    flagged,
  };
}

function compare(
  provider: string,
  ours: readonly PaidRefund[],
  theirs: readonly ProviderRefund[],
  inside: (iso: string) => boolean,
): Mismatch[] {
  const byRefund = new Map<string, ProviderRefund[]>();
  const found: Mismatch[] = [];
  for (const r of theirs) {
    if (r.refundId === undefined) {
      if (inside(r.at)) {
        found.push({
          kind: 'PAID_NOT_RECORDED',
          provider,
          detail: `${r.reference}: ${r.amount} ${r.currency} carries no refund id of ours`,
          references: [r.reference],
        });
      }
      continue;
    }
    byRefund.set(r.refundId, [...(byRefund.get(r.refundId) ?? []), r]);
  }
  const recordedIds = new Map(ours.map((r) => [r.refundId, r]));
  for (const [refundId, paid] of byRefund) {
    if (!paid.some((r) => inside(r.at))) continue;
    const caseId = paid[0]?.caseId;
    const common = { provider, refundId, ...(caseId === undefined ? {} : { caseId }), references: paid.map((r) => r.reference) };
    if (paid.length > 1) {
      found.push({
        ...common,
        kind: 'PAID_TWICE',
        detail: `${paid.length} refunds for ${refundId}: ${paid.map((r) => `${r.amount} ${r.currency}`).join(', ')}`,
      });
    }
    const record = recordedIds.get(refundId);
    if (record === undefined) {
      found.push({
        ...common,
        kind: 'PAID_NOT_RECORDED',
        detail: `${provider} paid ${paid[0]?.amount} ${paid[0]?.currency} for ${refundId}; no case records it paid`,
      });
      continue;
    }
    // The refund the case names (or, failing that, the first): a second refund is PAID_TWICE, not a different amount.
    const first = paid.find((r) => r.reference === record.providerReference) ?? (paid[0] as ProviderRefund);
    if (first.amount !== record.amount || first.currency !== record.currency) {
      found.push({
        ...common,
        caseId: record.caseId,
        kind: 'AMOUNT_DIFFERS',
        detail: `${provider} paid ${first.amount} ${first.currency} for ${refundId}; the case records ${record.amount} ${record.currency}`,
      });
    }
  }
  for (const record of ours) {
    if (!inside(record.paidAt) || byRefund.has(record.refundId)) continue;
    found.push({
      kind: 'RECORDED_NOT_PAID',
      provider,
      caseId: record.caseId,
      refundId: record.refundId,
      detail: `case records ${record.amount} ${record.currency} paid as ${record.providerReference}; ${provider} has no such refund`,
      references: [record.providerReference],
    });
  }
  return found;
}

const MAX_ATTEMPTS = 5;

/** One history event on the case, its status and facts untouched; false when the case is gone. */
async function flag(deps: ReconcileDeps, caseId: string, m: Mismatch): Promise<boolean> {
  for (let attempt = 1; ; attempt++) {
    const current = await deps.store.getCase(caseId);
    if (current === undefined) return false;
    const now = deps.clock.now().toISOString();
    try {
      await deps.store.patch({
        before: current,
        subject: subjectOf(current),
        set: { version: current.version + 1, updatedAt: now },
        remove: [],
        events: [
          {
            caseId,
            version: current.version + 1,
            seq: 0,
            at: now,
            actor: { kind: 'SYSTEM', id: 'reconcile-refunds' },
            action: 'RECONCILIATION_MISMATCH',
            fromStatus: current.status,
            toStatus: current.status,
            details: {
              kind: m.kind,
              provider: m.provider,
              ...(m.refundId === undefined ? {} : { refundId: m.refundId }),
              detail: m.detail,
              references: m.references,
            },
          },
        ],
      });
      return true;
    } catch (error) {
      if (!(error instanceof ConcurrentModificationError) || attempt >= MAX_ATTEMPTS) throw error;
    }
  }
}
