import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { logger, metrics } from '#lib/observability.ts';
import { systemClock } from '#lib/ports/clock.ts';
import { logEscalationStep, recordEscalationMetrics, recordReviewBacklog } from '#lib/schedule/escalation-observability.ts';
import { scheduledHandler } from '#lib/schedule/scheduled-handler.ts';
import { escalateStaleCases } from '#lib/use-cases/escalate-stale-cases.ts';
import { caseStore } from '#lib/wiring/case-store.ts';
import { dueCases } from '#lib/wiring/due-cases.ts';
import { escalationSettings } from '#lib/wiring/escalation-settings.ts';
import { policies } from '#lib/wiring/policies.ts';
import { refundQueue } from '#lib/wiring/refund-queue.ts';

const settings = escalationSettings();
const deps = { store: caseStore(), dueCases: dueCases(), policies: policies(), refunds: refundQueue(), clock: systemClock };

/** Scheduled: moves cases whose deadline passed one step up the ladder, a bounded batch per run. */
export const handler = scheduledHandler('escalate-stale-cases', async function escalate(_event, context) {
  const result = await escalateStaleCases(deps, {
    ...settings,
    remainingTimeMs: () => context.getRemainingTimeInMillis(),
    onStep: logEscalationStep,
  });
  recordEscalationMetrics(result);
  try {
    // After the sweep, so the gauge counts what is still waiting. A failed count loses one
    // data point (the alarm treats missing data as not breaching), never the run.
    recordReviewBacklog(await deps.dueCases.countOpen());
  } catch (error) {
    logger.warn('review backlog not counted', { error: error as Error });
  }
  return result;
}).use(logMetrics(metrics));
