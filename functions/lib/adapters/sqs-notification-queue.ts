import { ChangeMessageVisibilityCommand, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { NotificationQueue } from '../ports/notifications.ts';

/** The notification FIFO queue: one message group per case (order), the event id as deduplication id. */
export class SqsNotificationQueue implements NotificationQueue {
  readonly #client: SQSClient;
  readonly #queueUrl: string;

  constructor(client: SQSClient, queueUrl: string) {
    this.#client = client;
    this.#queueUrl = queueUrl;
  }

  async enqueue(message: { caseId: string; eventId: string; generation?: number }): Promise<void> {
    await this.#client.send(
      new SendMessageCommand({
        QueueUrl: this.#queueUrl,
        MessageBody: JSON.stringify({ caseId: message.caseId, eventId: message.eventId }),
        MessageGroupId: message.caseId,
        // A replayed notification is a new message (generation > 0), not a repeat to drop.
        MessageDeduplicationId: (message.generation ?? 0) === 0 ? message.eventId : `${message.eventId}.${message.generation}`,
      }),
    );
  }

  /** Keeps a failed message (and with it its case's group) out of sight for `seconds`: the retry backoff. */
  async backOff(receiptHandle: string, seconds: number): Promise<void> {
    await this.#client.send(
      new ChangeMessageVisibilityCommand({ QueueUrl: this.#queueUrl, ReceiptHandle: receiptHandle, VisibilityTimeout: seconds }),
    );
  }
}
