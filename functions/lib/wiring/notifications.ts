import { SQSClient } from '@aws-sdk/client-sqs';
import * as z from 'zod/mini';
import { DynamoDbNotificationOutbox } from '../adapters/dynamodb-notifications.ts';
import { SqsNotificationQueue } from '../adapters/sqs-notification-queue.ts';
import { awsSettings, loadConfig } from '../config.ts';
import type { NotificationOutbox } from '../ports/notifications.ts';
import { traced } from '../tracing.ts';
import { dynamoDbTable } from './dynamodb.ts';
import { once } from './once.ts';

/** The notification outbox on the table (TABLE_NAME). */
export const notificationOutbox: () => NotificationOutbox = once(function buildNotificationOutbox() {
  const { client, tableName } = dynamoDbTable();
  return new DynamoDbNotificationOutbox(client, tableName);
});

/** The notification FIFO queue (NOTIFICATION_QUEUE_URL). */
export const notificationQueue: () => SqsNotificationQueue = once(function buildNotificationQueue() {
  const config = loadConfig(z.object({ ...awsSettings, NOTIFICATION_QUEUE_URL: z.url() }));
  const client = traced(
    new SQSClient({ region: config.AWS_REGION, ...(config.SQS_ENDPOINT === undefined ? {} : { endpoint: config.SQS_ENDPOINT }) }),
  );
  return new SqsNotificationQueue(client, config.NOTIFICATION_QUEUE_URL);
});

/**
 * The retry backoff of a failed delivery, by the message's receive count: base × 2^(n-1)
 * seconds, at most 15 minutes (NOTIFICATION_RETRY_BASE_SECONDS, default 10: about 21 minutes
 * over the queue's 8 tries; tests set 1).
 */
export const notificationBackoffSeconds: () => (receiveCount: number) => number = once(function buildBackoff() {
  const config = loadConfig(
    z.object({ NOTIFICATION_RETRY_BASE_SECONDS: z._default(z.coerce.number().check(z.int(), z.gte(0), z.lte(900)), 10) }),
  );
  return (receiveCount: number) => Math.min(900, config.NOTIFICATION_RETRY_BASE_SECONDS * 2 ** Math.max(0, receiveCount - 1));
});
