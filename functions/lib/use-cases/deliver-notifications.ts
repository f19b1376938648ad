import { ConcurrentModificationError } from '../contract/errors.ts';
import type { Clock } from '../ports/clock.ts';
import type {
  ChannelAnswer,
  NotificationChannel,
  NotificationChannels,
  NotificationOutbox,
  NotificationState,
  StoredNotification,
  Subscription,
} from '../ports/notifications.ts';
import type { HistoryEvent } from '../workflow/case.ts';
import { explain, localeFor } from '../workflow/notification-text.ts';
import type { Notification } from '../workflow/notifications.ts';

export type DeliverNotificationsDeps = {
  readonly outbox: NotificationOutbox;
  readonly channels: NotificationChannels;
  readonly clock: Clock;
};

/** A delivery that failed and must be tried again (the queue's visibility backoff decides when). */
export class DeliveryFailedError extends Error {
  override readonly name = 'DeliveryFailedError';
}

/**
 * The message's notification was recorded DEAD on its last try: the message is failed once
 * more so the queue moves it to the dead-letter queue, where operators see it (alarm) and
 * replay it (npm run ops -- notifications replay). The case's later notifications go on.
 */
export class DeadLetteredError extends Error {
  override readonly name = 'DeadLetteredError';
}

export const NOTIFICATION_ACTOR = { kind: 'SYSTEM', id: 'deliver-notifications' } as const;

export type DeliveryOutcome = {
  readonly eventId: string;
  readonly type: string;
  readonly outcome: NotificationState | 'ALREADY_SETTLED' | 'FAILED';
  readonly status?: number;
};

/**
 * Delivers one queued notification (#21), and before it every earlier one of the same case still
 * pending, in the order their changes were written: a case's notifications never overtake
 * each other, even when an earlier message was lost or dead-lettered.
 *
 * Per notification:
 * - already settled (delivered, dead, unsubscribed): skipped, so a repeated message sends nothing;
 * - its marketplace unsubscribed (an earlier 410 Gone): UNSUBSCRIBED, nothing sent;
 * - no channel configured for its marketplace: NOT_SENT, nothing sent;
 * - otherwise sent (signed webhook, or the marketplace's API) with its words in the return's
 *   locale or the marketplace's default; the answer is recorded with a history entry on the
 *   case: DELIVERED, UNSUBSCRIBED on 410 Gone, or a failure. A failure stops the case's run and
 *   throws DeliveryFailedError, so the queue retries with backoff; on the message's last try
 *   (`lastTry`) the notification is DEAD (dead-lettered) instead, and later ones go on.
 * Each record is a conditional write on the attempt count: two workers cannot both record one.
 */
export async function deliverNotifications(
  deps: DeliverNotificationsDeps,
  message: { readonly caseId: string; readonly eventId: string },
  options: { readonly lastTry: boolean },
): Promise<DeliveryOutcome[]> {
  const all = await deps.outbox.forCase(message.caseId);
  const targetIndex = all.findIndex((n) => n.notification.eventId === message.eventId);
  if (targetIndex < 0) return [];
  // Dead-lettered already (by the worker's last try): fail it again, so the queue keeps it in its DLQ.
  if (all[targetIndex]?.state === 'DEAD' && options.lastTry) {
    throw new DeadLetteredError(`Notification ${message.eventId} of case ${message.caseId} is dead-lettered`);
  }
  const outcomes: DeliveryOutcome[] = [];
  // A case's notifications are all its marketplace's: its subscription is read once per run
  // (and turns GONE within the run when a receiver answers 410).
  let subscription: Subscription | undefined;
  for (const stored of all.slice(0, targetIndex + 1)) {
    const { notification } = stored;
    if (stored.state !== 'PENDING') {
      if (notification.eventId === message.eventId)
        outcomes.push({ eventId: notification.eventId, type: notification.type, outcome: 'ALREADY_SETTLED' });
      continue;
    }
    subscription ??= await deps.outbox.subscription(notification.marketplace);
    const isTarget = notification.eventId === message.eventId;
    const outcome = await deliverOne(deps, stored, subscription, { lastTry: options.lastTry && isTarget });
    outcomes.push(outcome);
    if (outcome.outcome === 'UNSUBSCRIBED' && subscription.state === 'ACTIVE') {
      subscription = { state: 'GONE', since: deps.clock.now().toISOString(), eventId: notification.eventId };
    }
    // Dead on its last try: failed once more so the queue moves the message to its DLQ. (A
    // refusal is dead at once and acknowledged: retrying it would change nothing.)
    if (outcome.outcome === 'DEAD' && isTarget && options.lastTry) {
      throw new DeadLetteredError(
        `Notification ${notification.eventId} (${notification.type}) of case ${notification.caseId} is dead-lettered`,
      );
    }
    if (outcome.outcome === 'FAILED') {
      throw new DeliveryFailedError(
        `Notification ${notification.eventId} (${notification.type}) of case ${notification.caseId} was not delivered${outcome.status === undefined ? '' : ` (HTTP ${outcome.status})`}`,
      );
    }
  }
  return outcomes;
}

async function deliverOne(
  deps: DeliverNotificationsDeps,
  stored: StoredNotification,
  subscription: Subscription,
  options: { lastTry: boolean },
): Promise<DeliveryOutcome> {
  const n = stored.notification;
  const base = { eventId: n.eventId, type: n.type };
  const record = async (state: NotificationState, action?: string, details: Record<string, unknown> = {}) => {
    try {
      await deps.outbox.recordAttempt({
        notification: n,
        expectedAttempts: stored.attempts,
        state,
        ...(action === undefined
          ? {}
          : { event: attemptEvent(n, deps.clock.now().toISOString(), action, { ...details, attempt: stored.attempts + 1 }) }),
      });
    } catch (error) {
      // Another worker recorded it meanwhile: its record stands, this one is a retry.
      if (error instanceof ConcurrentModificationError) throw new DeliveryFailedError(error.message, { cause: error });
      throw error;
    }
  };

  if (subscription.state === 'GONE') {
    await record('UNSUBSCRIBED', 'NOTIFICATION_NOT_SENT', { reason: 'UNSUBSCRIBED', since: subscription.since });
    return { ...base, outcome: 'UNSUBSCRIBED' };
  }
  let configured: Awaited<ReturnType<NotificationChannels['channelFor']>>;
  try {
    configured = await deps.channels.channelFor(n.marketplace);
  } catch (error) {
    // A channel that cannot be built (a signing secret missing, Shopify not configured) is a
    // failed attempt like any other: on the history, retried, dead-lettered after the last try.
    configured = { channel: unbuildableChannel(error) };
  }
  if (configured === undefined) {
    await record('NOT_SENT');
    return { ...base, outcome: 'NOT_SENT' };
  }
  const explanation = explain(n, localeFor(n.locale, configured.defaultLocale));
  const started = deps.clock.now().getTime();
  const answer = await configured.channel.deliver(n, explanation).catch(
    (error: unknown): ChannelAnswer => ({
      outcome: 'FAILED',
      detail: `the channel failed: ${(error as Error).name}: ${(error as Error).message}`.slice(0, 300),
    }),
  );
  const common = { channel: configured.channel.kind, durationMs: Math.max(0, deps.clock.now().getTime() - started) };
  switch (answer.outcome) {
    case 'DELIVERED':
      await record('DELIVERED', 'NOTIFICATION_DELIVERED', {
        ...common,
        ...(answer.status === undefined ? {} : { status: answer.status }),
        ...(answer.reference === undefined ? {} : { reference: answer.reference }),
      });
      return { ...base, outcome: 'DELIVERED', ...(answer.status === undefined ? {} : { status: answer.status }) };
    case 'NOT_APPLICABLE':
      await record('NOT_SENT');
      return { ...base, outcome: 'NOT_SENT' };
    case 'REFUSED':
      await record('DEAD', 'NOTIFICATION_REFUSED', { ...common, error: answer.detail });
      return { ...base, outcome: 'DEAD' };
    case 'GONE':
      await deps.outbox.unsubscribe(n.marketplace, deps.clock.now().toISOString(), n.eventId);
      await record('UNSUBSCRIBED', 'NOTIFICATION_UNSUBSCRIBED', { ...common, status: answer.status });
      return { ...base, outcome: 'UNSUBSCRIBED', status: answer.status };
    case 'FAILED': {
      const details = { ...common, ...(answer.status === undefined ? {} : { status: answer.status }), error: answer.detail };
      if (options.lastTry) {
        await record('DEAD', 'NOTIFICATION_DEAD_LETTERED', details);
        return { ...base, outcome: 'DEAD', ...(answer.status === undefined ? {} : { status: answer.status }) };
      }
      await record('PENDING', 'NOTIFICATION_FAILED', details);
      return { ...base, outcome: 'FAILED', ...(answer.status === undefined ? {} : { status: answer.status }) };
    }
  }
}

/** Stands in for a channel its configuration could not build: every delivery fails, naming why. */
function unbuildableChannel(error: unknown): NotificationChannel {
  const detail = `the channel could not be built: ${(error as Error).message}`.slice(0, 300);
  return { kind: 'unconfigured', deliver: async () => ({ outcome: 'FAILED', detail }) };
}

/** A delivery attempt on the case's history: its status unchanged, after the write that owed it. */
function attemptEvent(n: Notification, at: string, action: string, details: Record<string, unknown>): HistoryEvent {
  return {
    caseId: n.caseId,
    version: n.caseVersion,
    seq: n.seq,
    at,
    actor: NOTIFICATION_ACTOR,
    action,
    fromStatus: n.caseStatus,
    toStatus: n.caseStatus,
    details: { eventId: n.eventId, type: n.type, ...details },
  };
}
