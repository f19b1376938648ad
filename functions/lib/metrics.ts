import { Metrics } from '@aws-lambda-powertools/metrics';

/**
 * One metrics buffer for the whole process, written as CloudWatch EMF lines on stdout (no
 * PutMetricData call). Flushed once per invocation by Powertools' logMetrics middleware.
 */
export const metrics = new Metrics({
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'DisputeDesk',
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'dispute-desk',
});
