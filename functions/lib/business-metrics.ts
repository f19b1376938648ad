import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { HistoryEvent } from './workflow/case.ts';
import { metrics } from './metrics.ts';

/**
 * The business metrics (namespace DisputeDesk, EMF on stdout, dimension `service` plus at most
 * the ones named here). Each is written the moment its event is final, as its own EMF line
 * (`singleMetric`), so no function needs a flush middleware and a failed invocation still
 * reports what it committed. Dimensions are low-cardinality by rule: codes, remedies, parties,
 * currencies; never a case, seller, refund or delivery id. docs/operations.md lists them.
 *
 * Counted where the fact becomes true, so each event counts once:
 * - from history events a case store commit has just written (`recordCommittedEvents`, called
 *   by the metered case store in wiring/case-store.ts): a retry that loses a race or a
 *   duplicate delivery commits nothing, a replayed refund commits nothing;
 * - at the webhook route (`recordWebhookAccepted` / `recordWebhookRefused`): one per answer;
 * - at the refund worker (`recordRefundAttemptFailed`): one per failed payment attempt.
 */
export const BUSINESS_METRICS = {
  webhooksAccepted: 'WebhooksAccepted',
  webhooksRefused: 'WebhooksRefused',
  decisions: 'Decisions',
  refundsReleased: 'RefundsReleased',
  refundsPaid: 'RefundsPaid',
  moneyPaid: 'RefundMoneyPaidMinorUnits',
  refundsFailed: 'RefundsFailed',
  slaBreaches: 'SlaBreaches',
  reconciliationMismatches: 'ReconciliationMismatches',
} as const;

function emit(name: string, value: number, dimensions: Record<string, string>): void {
  const single = metrics.singleMetric();
  for (const [key, dimension] of Object.entries(dimensions)) single.addDimension(key, dimension);
  single.addMetric(name, MetricUnit.Count, value);
}

/** A 202 answer. `result`: NEW (the case changed), DUPLICATE, HELD (early event) or IGNORED. */
export function recordWebhookAccepted(result: 'NEW' | 'DUPLICATE' | 'HELD' | 'IGNORED'): void {
  emit(BUSINESS_METRICS.webhooksAccepted, 1, { result });
}

/** A 4xx problem answer to a delivery: its problem code and status. */
export function recordWebhookRefused(code: string, status: number): void {
  emit(BUSINESS_METRICS.webhooksRefused, 1, { code, status: String(status) });
}

/**
 * One attempt of the refund worker at one queued refund that ended in an error (the message
 * is retried, and dead-lettered after the configured receives). `reason`: PROVIDER_UNAVAILABLE
 * (timeout, 5xx, 429: retrying can help), PROVIDER_REFUSED (4xx: it cannot), or OTHER (the
 * case is missing, does not match, the store failed).
 */
export function recordRefundAttemptFailed(reason: 'PROVIDER_UNAVAILABLE' | 'PROVIDER_REFUSED' | 'OTHER'): void {
  emit(BUSINESS_METRICS.refundsFailed, 1, { reason });
}

type DecisionDetails = { decision?: { remedy?: unknown; allocation?: { kind?: unknown; dominant?: unknown } } };
type MoneyDetails = { amount?: unknown; currency?: unknown };

/** The metrics of history events that a commit or patch has just written. */
export function recordCommittedEvents(events: readonly HistoryEvent[]): void {
  for (const event of events) {
    switch (event.action) {
      case 'DECISION_MADE': {
        const decision = (event.details as DecisionDetails).decision;
        const allocation = decision?.allocation;
        emit(BUSINESS_METRICS.decisions, 1, {
          remedy: String(decision?.remedy ?? 'UNKNOWN'),
          dominantParty: allocation?.kind === 'FAULT' ? String(allocation.dominant) : 'NO_FAULT',
        });
        break;
      }
      case 'REFUND_DUE':
        emit(BUSINESS_METRICS.refundsReleased, 1, {});
        break;
      case 'REFUND_APPLIED': {
        const { amount, currency } = event.details as MoneyDetails;
        emit(BUSINESS_METRICS.refundsPaid, 1, {});
        if (typeof amount === 'number' && typeof currency === 'string') {
          emit(BUSINESS_METRICS.moneyPaid, amount, { currency });
        }
        break;
      }
      case 'ESCALATED':
      case 'DEFAULT_RESOLUTION':
        emit(BUSINESS_METRICS.slaBreaches, 1, { kind: event.action });
        break;
      case 'REFUNDED_ABOVE_AMOUNT_PAID':
        // The marketplace now says the buyer paid less than was refunded: a mismatch to look at.
        emit(BUSINESS_METRICS.reconciliationMismatches, 1, { kind: event.action });
        break;
    }
  }
}

/** A refund the case store and a payment provider disagree about (reconciliation, #16), by kind; the provider is in the log line. */
export function recordReconciliationMismatch(kind: string): void {
  emit(BUSINESS_METRICS.reconciliationMismatches, 1, { kind });
}
