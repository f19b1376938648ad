import { SQSClient } from '@aws-sdk/client-sqs';
import * as z from 'zod';
import { SqsRefundQueue } from '../adapters/sqs-refund-queue.ts';
import { awsSettings, loadConfig } from '../config.ts';
import type { RefundQueue } from '../ports/refund-queue.ts';

let queue: RefundQueue | undefined;

/** The refund FIFO queue (REFUND_QUEUE_URL); built once per process. */
export function refundQueue(): RefundQueue {
  if (queue === undefined) {
    const config = loadConfig(z.object({ ...awsSettings, REFUND_QUEUE_URL: z.url() }));
    const client = new SQSClient({
      region: config.AWS_REGION,
      ...(config.SQS_ENDPOINT === undefined ? {} : { endpoint: config.SQS_ENDPOINT }),
    });
    queue = new SqsRefundQueue(client, config.REFUND_QUEUE_URL);
  }
  return queue;
}
