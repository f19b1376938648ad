import { Tracer } from '@aws-lambda-powertools/tracer';

/**
 * One X-Ray tracer for the whole process (Powertools Tracer). In Lambda (with active tracing)
 * it records the handler, every AWS SDK call of a captured client (`traced` below) and every
 * `fetch` (the payment provider): Tracer subscribes to undici's diagnostics channel, which
 * Node's fetch publishes to, and opens one subsegment per request. Outside Lambda (no
 * AWS_EXECUTION_ENV: the local runtime, tests) or with POWERTOOLS_TRACE_ENABLED=false, Tracer
 * disables itself: no daemon calls, no "missing context" noise, clients are left as they are.
 *
 * Only the functions that import it bundle it: package.json declares our modules free of
 * import side effects.
 */
export const tracer = new Tracer({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'dispute-desk' });

/** The client, with its calls recorded as X-Ray subsegments when tracing is on. */
export function traced<T>(client: T): T {
  return tracer.captureAWSv3Client(client);
}
