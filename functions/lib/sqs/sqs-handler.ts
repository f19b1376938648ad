import { processPartialResponse, SqsFifoPartialProcessorAsync } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import * as z from 'zod/mini';
import { logger } from '../observability.ts';
import { tracer } from '../tracing.ts';

/** A record whose body does not match its schema; retrying cannot fix it, the DLQ will keep it. */
export class PoisonMessageError extends Error {
  override readonly name = 'PoisonMessageError';
}

/**
 * The chain every SQS-triggered function uses: an X-Ray subsegment for the batch, Lambda context on the logger, each record's
 * body parsed against its zod schema, and Powertools' FIFO partial-batch processor, so a
 * failed record (and the records after it in the same message group) come back later while
 * the rest of the batch is acknowledged. Requires `reportBatchItemFailures` on the event
 * source (set in infra, honoured by the local poller).
 */
export function sqsFifoHandler<S extends z.core.$ZodType>(
  schema: S,
  handleRecord: (message: z.infer<S>, record: SQSRecord) => Promise<void>,
) {
  async function processRecord(record: SQSRecord): Promise<void> {
    logger.appendKeys({ messageId: record.messageId, messageGroupId: record.attributes.MessageGroupId });
    let json: unknown;
    try {
      json = JSON.parse(record.body);
    } catch (error) {
      throw new PoisonMessageError(`Message ${record.messageId} is not JSON`, { cause: error });
    }
    const parsed = z.safeParse(schema, json);
    if (!parsed.success) {
      throw new PoisonMessageError(
        `Message ${record.messageId} does not match its schema: ${parsed.error.issues.map((i) => i.path.join('.')).join(', ')}`,
      );
    }
    try {
      await handleRecord(parsed.data, record);
    } catch (error) {
      logger.warn('record failed; it will be retried', {
        error: error as Error,
        receiveCount: record.attributes.ApproximateReceiveCount,
      });
      throw error;
    } finally {
      logger.removeKeys(['messageId', 'messageGroupId']);
    }
  }

  return middy<SQSEvent, SQSBatchResponse>()
    .use(captureLambdaHandler(tracer, { captureResponse: false }))
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .handler(async function processBatch(event: SQSEvent, context: Context) {
      const processor = new SqsFifoPartialProcessorAsync();
      return processPartialResponse(event, processRecord, processor, {
        context,
        skipGroupOnError: true,
        throwOnFullBatchFailure: false,
      });
    });
}
