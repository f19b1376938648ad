import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { RefundMessage } from '../contract/refund-message.ts';
import type { RefundQueue } from '../ports/refund-queue.ts';

/** The refund FIFO queue: one message group per case, the refund id as deduplication id. */
export class SqsRefundQueue implements RefundQueue {
  readonly #client: SQSClient;
  readonly #queueUrl: string;

  constructor(client: SQSClient, queueUrl: string) {
    this.#client = client;
    this.#queueUrl = queueUrl;
  }

  async publish(message: RefundMessage): Promise<void> {
    await this.#client.send(
      new SendMessageCommand({
        QueueUrl: this.#queueUrl,
        MessageBody: JSON.stringify(message),
        MessageGroupId: message.caseId,
        MessageDeduplicationId: message.refundId,
        MessageAttributes: {
          schemaVersion: { DataType: 'Number', StringValue: String(message.schemaVersion) },
        },
      }),
    );
  }
}
