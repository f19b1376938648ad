import type { NotificationOutbox, NotificationQueue } from '../ports/notifications.ts';

export type RelayNotificationsDeps = { readonly outbox: NotificationOutbox; readonly queue: NotificationQueue };

export type RelayNotificationsResult = { readonly found: number; readonly queued: number; readonly failed: number };

/**
 * Hands committed notifications to the delivery queue (#21).
 *
 * Steps:
 * 1. Read at most `limit` notifications from the sparse unqueued index, oldest first.
 * 2. For each, in that order: enqueue (message group = case, so a case's notifications are
 *    delivered in order; deduplication id = event id), then take it out of the index.
 *    A failure leaves it, and every later one of the same case, for the next run.
 * A crash between the two steps enqueues it again next run: SQS FIFO drops the repeat within
 * five minutes, and after that the worker finds it already delivered. Nothing is sent twice
 * by this relay; a receiver sees an id twice only when its answer to the first was lost.
 */
export async function relayNotifications(
  deps: RelayNotificationsDeps,
  options: { limit?: number } = {},
): Promise<RelayNotificationsResult> {
  const unqueued = await deps.outbox.listUnqueued(options.limit ?? 200);
  const blocked = new Set<string>();
  let queued = 0;
  for (const n of unqueued) {
    if (blocked.has(n.caseId)) continue;
    try {
      await deps.queue.enqueue({ caseId: n.caseId, eventId: n.eventId, generation: n.generation });
      await deps.outbox.markQueued(n);
      queued += 1;
    } catch {
      blocked.add(n.caseId);
    }
  }
  return { found: unqueued.length, queued, failed: unqueued.length - queued };
}
