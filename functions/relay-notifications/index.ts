import { scheduledHandler } from '#lib/schedule/scheduled-handler.ts';
import { relayNotifications } from '#lib/use-cases/relay-notifications.ts';
import { notificationOutbox, notificationQueue } from '#lib/wiring/notifications.ts';

const deps = { outbox: notificationOutbox(), queue: notificationQueue() };

/** Scheduled: hands the notifications committed with each change to the notification queue (#21). */
export const handler = scheduledHandler('relay-notifications', () => relayNotifications(deps));
