import { Logger } from '@aws-lambda-powertools/logger';

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

// Metrics have a module of their own: only the functions that emit them (escalate-stale-cases)
// bundle and load Powertools Metrics. package.json declares our modules free of import side
// effects, so esbuild drops this re-export, and the module behind it, from every other bundle.
export { metrics } from './metrics.ts';
