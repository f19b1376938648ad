import * as z from 'zod/mini';
import { notificationQueue as queueDefinition } from '#infra/definitions.ts';
import { logger } from '#lib/observability.ts';
import { systemClock } from '#lib/ports/clock.ts';
import { sqsFifoHandler } from '#lib/sqs/sqs-handler.ts';
import { DeadLetteredError, DeliveryFailedError, deliverNotifications } from '#lib/use-cases/deliver-notifications.ts';
import { notificationChannels } from '#lib/wiring/notification-channels.ts';
import { notificationBackoffSeconds, notificationOutbox, notificationQueue } from '#lib/wiring/notifications.ts';

const deps = { outbox: notificationOutbox(), channels: notificationChannels(), clock: systemClock };
const queue = notificationQueue();
const backoff = notificationBackoffSeconds();

const MessageSchema = z.object({
  caseId: z.string().check(z.regex(/^cs_[0-9a-f]{24}$/)),
  eventId: z.string().check(z.regex(/^ntf_[0-9a-f]{24}$/)),
});

/**
 * Notification FIFO queue consumer (#21): delivers a case's notifications in order. A failed
 * delivery keeps its message (and so its case's later ones) out of sight for an exponentially
 * growing backoff; the queue dead-letters it after maxReceiveCount tries, and on that last try
 * the notification is recorded DEAD so the case's later notifications go on.
 */
export const handler = sqsFifoHandler(MessageSchema, async function deliver(message, record) {
  const receiveCount = Number(record.attributes.ApproximateReceiveCount);
  try {
    const outcomes = await deliverNotifications(deps, message, { lastTry: receiveCount >= queueDefinition.deadLetter.maxReceiveCount });
    for (const o of outcomes) logger.info('notification settled', { caseId: message.caseId, ...o });
  } catch (error) {
    if (error instanceof DeliveryFailedError || error instanceof DeadLetteredError) {
      // A dead-lettered one goes to the DLQ at once; a failed one waits out its backoff.
      const seconds = error instanceof DeadLetteredError ? 0 : backoff(receiveCount);
      await queue
        .backOff(record.receiptHandle, seconds)
        .catch((e: unknown) => logger.warn('could not set the retry backoff', { error: e as Error }));
      logger.warn('notification not delivered; retried with backoff', {
        caseId: message.caseId,
        eventId: message.eventId,
        receiveCount,
        backoffSeconds: seconds,
      });
    }
    throw error;
  }
});
