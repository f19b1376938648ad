import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import type { Context, ScheduledEvent } from 'aws-lambda';
import { logger } from '../observability.ts';
import { tracer } from '../tracing.ts';

/**
 * The chain every scheduled function uses: an X-Ray subsegment for the run, Lambda context on the logger, the schedule's
 * event id as correlation id, and the job's summary logged once per run. A failure is
 * rethrown so the scheduler's retry policy and DLQ see it.
 */
export function scheduledHandler<R extends Record<string, unknown>>(
  name: string,
  job: (event: ScheduledEvent, context: Context) => Promise<R>,
) {
  return middy<ScheduledEvent, R>()
    .use(captureLambdaHandler(tracer, { captureResponse: false }))
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .handler(async function runScheduledJob(event: ScheduledEvent, context: Context) {
      logger.setCorrelationId(event.id);
      // The context gives a job its time budget (getRemainingTimeInMillis).
      const summary = await job(event, context);
      logger.info(`${name} finished`, { ...summary });
      return summary;
    });
}
