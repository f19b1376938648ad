import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { recordReconciliationMismatch } from '#lib/business-metrics.ts';
import { logger, metrics } from '#lib/observability.ts';
import { systemClock } from '#lib/ports/clock.ts';
import { scheduledHandler } from '#lib/schedule/scheduled-handler.ts';
import { reconcileRefunds } from '#lib/use-cases/reconcile-refunds.ts';
import { caseStore } from '#lib/wiring/case-store.ts';
import { paidRefunds, refundLedgers, reconciliationSettings } from '#lib/wiring/reconciliation.ts';

const settings = reconciliationSettings();
const deps = { store: caseStore(), paid: paidRefunds(), ledgers: refundLedgers(), clock: systemClock };

/**
 * Scheduled: reconciles the refunds paid over the last RECONCILE_LOOKBACK_HOURS with each
 * provider's own record; every mismatch is logged (ids and amounts only), counted and written
 * to its case's history.
 */
export const handler = scheduledHandler('reconcile-refunds', async function reconcile() {
  const to = systemClock.now();
  const from = new Date(to.getTime() - settings.RECONCILE_LOOKBACK_HOURS * 3_600_000);
  const result = await reconcileRefunds(deps, { from: from.toISOString(), to: to.toISOString() });
  for (const m of result.mismatches) {
    recordReconciliationMismatch(m.kind);
    logger.error('refund mismatch', {
      kind: m.kind,
      provider: m.provider,
      caseId: m.caseId,
      refundId: m.refundId,
      references: m.references,
      detail: m.detail,
    });
  }
  return {
    from: result.from,
    to: result.to,
    recorded: result.recorded,
    providerRefunds: result.providerRefunds,
    mismatches: result.mismatches.length,
    flagged: result.flagged,
  };
}).use(logMetrics(metrics));
