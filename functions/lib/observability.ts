import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';

/**
 * One logger for the whole process. Structured JSON in AWS, pretty when POWERTOOLS_DEV is
 * set locally. Rule of the house: log identifiers (case, seller, delivery, marketplace),
 * states and codes; never payload bodies, free text, names, phones, e-mails or addresses.
 *
 * The keys of one invocation (Lambda context, correlation id, appended keys) are kept per
 * invocation by Powertools wherever the runtime provides an invoke store: Lambda Managed
 * Instances, and the local runtime, which runs all handlers in one process
 * (local/invoke-store.ts). So interleaved invocations never log under each other's keys.
 */
export const logger = new Logger({
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'dispute-desk',
});

/**
 * One metrics buffer for the whole process, written as CloudWatch EMF lines on stdout (no
 * PutMetricData call). Flushed once per invocation by Powertools' logMetrics middleware.
 */
export const metrics = new Metrics({
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'DisputeDesk',
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'dispute-desk',
});
