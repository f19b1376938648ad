import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { metrics } from '#lib/observability.ts';
import { logEscalationStep, recordEscalationMetrics } from '#lib/schedule/escalation-observability.ts';
import { scheduledHandler } from '#lib/schedule/scheduled-handler.ts';
import { escalateStaleCases } from '#lib/use-cases/escalate-stale-cases.ts';
import { escalateStaleCasesDeps } from '#lib/wiring.ts';

const { deps, settings } = escalateStaleCasesDeps();

/** Scheduled: moves cases whose deadline passed one step up the ladder, a bounded batch per run. */
export const handler = scheduledHandler('escalate-stale-cases', async function escalate(_event, context) {
  const result = await escalateStaleCases(deps, {
    ...settings,
    remainingTimeMs: () => context.getRemainingTimeInMillis(),
    onStep: logEscalationStep,
  });
  recordEscalationMetrics(result);
  return result;
}).use(logMetrics(metrics));
