import { DeleteMessageCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { notificationQueue } from '#infra/definitions.ts';
import { DynamoDbCaseStore } from '#lib/adapters/dynamodb-case-store.ts';
import { DynamoDbNotificationOutbox } from '#lib/adapters/dynamodb-notifications.ts';
import { SqsNotificationQueue } from '#lib/adapters/sqs-notification-queue.ts';
import { SqsRefundQueue } from '#lib/adapters/sqs-refund-queue.ts';
import { StandardWebhookChannel } from '#lib/adapters/standard-webhook-channel.ts';
import type { Clock } from '#lib/ports/clock.ts';
import type { NotificationChannels } from '#lib/ports/notifications.ts';
import {
  DeadLetteredError,
  DeliveryFailedError,
  type DeliveryOutcome,
  deliverNotifications,
} from '#lib/use-cases/deliver-notifications.ts';
import { relayNotifications } from '#lib/use-cases/relay-notifications.ts';
import { type NotificationReceiver, startNotificationReceiver } from '#local/notification-receiver.ts';
import { provisionQueue } from '#local/provision.ts';
import { createTestQueues, createTestTable, documentClient, sqsClient } from './engines.ts';
import { TEST_MARKETPLACE } from './webhook-factory.ts';

/** The test marketplace's Standard Webhooks secret (whsec_ + base64 of a 32-byte key). */
export const TEST_NOTIFICATION_SECRET = `whsec_${Buffer.from('test-notification-key-0123456789abcdef').toString('base64')}`;

export type NotificationWorld = Awaited<ReturnType<typeof notificationWorld>>;

/**
 * A table, the refund and notification queues, a receiver that verifies signatures like a
 * marketplace, and the relay and worker use cases over the real engines. `deliverAll` plays
 * the SQS event source: receive, deliver, delete on success, leave the message on failure.
 */
export async function notificationWorld(options: { table?: string; channels?: NotificationChannels; defaultLocale?: 'en' | 'zh-CN' } = {}) {
  const table = options.table ?? (await createTestTable());
  const queues = await createTestQueues();
  const notifications = await provisionQueue(sqsClient(), queues.prefix, notificationQueue);
  const receiver: NotificationReceiver = await startNotificationReceiver({ secrets: { [TEST_MARKETPLACE]: TEST_NOTIFICATION_SECRET } });
  const store = new DynamoDbCaseStore(documentClient(), table);
  const outbox = new DynamoDbNotificationOutbox(documentClient(), table);
  const queue = new SqsNotificationQueue(sqsClient(), notifications.url);
  const channels: NotificationChannels = options.channels ?? {
    channelFor: async (marketplace) =>
      marketplace === TEST_MARKETPLACE
        ? {
            channel: new StandardWebhookChannel({
              url: `${receiver.url}/webhooks/${TEST_MARKETPLACE}`,
              secret: async () => TEST_NOTIFICATION_SECRET,
              timeoutMs: 2_000,
            }),
            ...(options.defaultLocale === undefined ? {} : { defaultLocale: options.defaultLocale }),
          }
        : undefined,
  };

  /**
   * One pass over the queue, as the event source would: each visible message delivered and
   * deleted, or left on failure. The failed ones are made visible again at the end of the pass
   * (the worker's backoff, shortened), so each pass is one try per message.
   */
  async function deliverVisible(clock: Clock, visibilitySeconds = 30): Promise<{ outcomes: DeliveryOutcome[]; failures: number }> {
    const outcomes: DeliveryOutcome[] = [];
    const failed: string[] = [];
    for (;;) {
      const { Messages = [] } = await sqsClient().send(
        new ReceiveMessageCommand({
          QueueUrl: notifications.url,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 0,
          MessageSystemAttributeNames: ['ApproximateReceiveCount'],
          VisibilityTimeout: visibilitySeconds,
        }),
      );
      if (Messages.length === 0) {
        for (const handle of failed) await queue.backOff(handle, 0);
        return { outcomes, failures: failed.length };
      }
      for (const m of Messages) {
        const body = JSON.parse(m.Body ?? '{}') as { caseId: string; eventId: string };
        const receiveCount = Number(m.Attributes?.ApproximateReceiveCount ?? '1');
        try {
          outcomes.push(
            ...(await deliverNotifications({ outbox, channels, clock }, body, {
              lastTry: receiveCount >= notificationQueue.deadLetter.maxReceiveCount,
            })),
          );
          await sqsClient().send(new DeleteMessageCommand({ QueueUrl: notifications.url, ReceiptHandle: m.ReceiptHandle }));
        } catch (error) {
          if (!(error instanceof DeliveryFailedError) && !(error instanceof DeadLetteredError)) throw error;
          failed.push(m.ReceiptHandle ?? '');
        }
      }
    }
  }

  return {
    table,
    store,
    outbox,
    queue,
    receiver,
    notificationQueueUrl: notifications.url,
    notificationDlqUrl: notifications.dlqUrl,
    refunds: new SqsRefundQueue(sqsClient(), queues.refundQueueUrl),
    refundQueueUrl: queues.refundQueueUrl,
    channels,
    relay: () => relayNotifications({ outbox, queue }),
    deliverVisible,
    /** Relay, then deliver until the queue is empty. */
    async flush(clock: Clock) {
      await relayNotifications({ outbox, queue });
      return deliverVisible(clock);
    },
    stop: () => receiver.stop(),
  };
}
