import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logger, metrics } from '../observability.ts';
import type { EscalateStaleCasesResult, EscalationStep } from '../use-cases/escalate-stale-cases.ts';

/**
 * What escalate-stale-cases tells operators: one log line per case moved or failed (ids and
 * codes only) and a few metrics per run. Alarm on OldestOverdueAge (the sweep falls behind)
 * and EscalationFailures.
 */

export function logEscalationStep(step: EscalationStep): void {
  switch (step.outcome) {
    case 'ESCALATED':
      logger.info('case escalated', { ...step });
      return;
    case 'DEFAULT_RESOLUTION':
      if (step.publish !== undefined && step.publish !== 'PUBLISHED') {
        logger.warn('default resolution refund left in the outbox for the relay', { ...step });
      } else {
        logger.info('default resolution applied', { ...step });
      }
      return;
    case 'RETURN_REMINDER':
      logger.info('return window reminder recorded', { ...step });
      return;
    case 'CLOSED_NOT_RETURNED':
      logger.info('case closed as not returned', { ...step });
      return;
    case 'FOLLOWED_UP':
      logger.info('settled remedy followed up at its deadline', { ...step });
      return;
    case 'RETURN_NOT_ARRIVED':
      if (step.publish !== 'PUBLISHED') logger.warn('lost return refund left in the outbox for the relay', { ...step });
      else logger.info('return parcel not arrived in time: lost in transit, held refund released', { ...step });
      return;
    case 'CARRIER_CLAIM_WARNED':
      logger.warn('carrier claim filing deadline near: file it', { ...step });
      return;
    case 'CARRIER_CLAIM_EXPIRED':
      logger.warn('carrier claim expired unfiled: cost moved back to the seller', { ...step });
      return;
    case 'SKIPPED':
      logger.debug('case skipped', { ...step });
      return;
    case 'FAILED':
      logger.warn('case escalation failed; it stays due for the next run', { ...step });
      return;
  }
}

/**
 * The review backlog, a gauge: every case awaiting staff (due or not), counted on the
 * deadline index once per escalation run (DueCases.countOpen), so the dashboard and the
 * ReviewBacklog alarm see it every run interval.
 */
export function recordReviewBacklog(openCases: number): void {
  metrics.addMetric('ReviewBacklog', MetricUnit.Count, openCases);
}

export function recordEscalationMetrics(result: EscalateStaleCasesResult): void {
  metrics.addMetric('DueCasesFound', MetricUnit.Count, result.found);
  metrics.addMetric('CasesEscalated', MetricUnit.Count, result.escalated);
  metrics.addMetric('DefaultResolutions', MetricUnit.Count, result.defaultResolutions);
  metrics.addMetric('DefaultResolutionRefunds', MetricUnit.Count, result.refundsDue - result.returnsNotArrived);
  metrics.addMetric('ReturnsNotArrived', MetricUnit.Count, result.returnsNotArrived);
  metrics.addMetric('CarrierClaimDeadlineWarnings', MetricUnit.Count, result.claimWarnings);
  metrics.addMetric('CarrierClaimsExpired', MetricUnit.Count, result.claimsExpired);
  metrics.addMetric('EscalationsSkipped', MetricUnit.Count, result.skipped);
  metrics.addMetric('EscalationFailures', MetricUnit.Count, result.failed);
  metrics.addMetric('OldestOverdueAge', MetricUnit.Seconds, Math.round(result.oldestOverdueMs / 1000));
  // 1 when the run could not reach every due case (limit or time): a backlog is draining.
  metrics.addMetric('EscalationBacklog', MetricUnit.Count, result.stoppedBy === 'DRAINED' ? 0 : 1);
}
