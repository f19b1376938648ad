import { SQSClient } from '@aws-sdk/client-sqs';
import * as z from 'zod/mini';
import { SqsRefundQueue } from '../adapters/sqs-refund-queue.ts';
import { awsSettings, loadConfig } from '../config.ts';
import type { RefundQueue } from '../ports/refund-queue.ts';
import { traced } from '../tracing.ts';
import { once } from './once.ts';

/** The refund FIFO queue (REFUND_QUEUE_URL). */
export const refundQueue: () => RefundQueue = once(function buildRefundQueue() {
  const config = loadConfig(z.object({ ...awsSettings, REFUND_QUEUE_URL: z.url() }));
  const client = traced(
    new SQSClient({
      region: config.AWS_REGION,
      ...(config.SQS_ENDPOINT === undefined ? {} : { endpoint: config.SQS_ENDPOINT }),
    }),
  );
  return new SqsRefundQueue(client, config.REFUND_QUEUE_URL);
});
