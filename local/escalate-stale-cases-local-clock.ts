import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { metrics } from '#lib/observability.ts';
import { logEscalationStep, recordEscalationMetrics } from '#lib/schedule/escalation-observability.ts';
import { scheduledHandler } from '#lib/schedule/scheduled-handler.ts';
import { escalateStaleCases } from '#lib/use-cases/escalate-stale-cases.ts';
import { caseStore } from '#lib/wiring/case-store.ts';
import { dueCases } from '#lib/wiring/due-cases.ts';
import { escalationSettings } from '#lib/wiring/escalation-settings.ts';
import { policies } from '#lib/wiring/policies.ts';
import { refundQueue } from '#lib/wiring/refund-queue.ts';
import { acceleratedClock, localClockRate } from './local-clock.ts';

/**
 * Local only (LOCAL_CLOCK_RATE > 1, see local/local-clock.ts): functions/escalate-stale-cases
 * with the same wiring, use case and observability, but an accelerated clock in place of the
 * system clock. Keep it in step with functions/escalate-stale-cases/index.ts; only `clock`
 * may differ.
 */

const settings = escalationSettings();
const localDeps = {
  store: caseStore(),
  dueCases: dueCases(),
  policies: policies(),
  refunds: refundQueue(),
  clock: acceleratedClock(localClockRate()),
};

export const handler = scheduledHandler('escalate-stale-cases', async function escalate(_event, context) {
  const result = await escalateStaleCases(localDeps, {
    ...settings,
    remainingTimeMs: () => context.getRemainingTimeInMillis(),
    onStep: logEscalationStep,
  });
  recordEscalationMetrics(result);
  return result;
}).use(logMetrics(metrics));
