import type { HistoryEvent } from '../workflow/case.ts';
import type { Explanation } from '../workflow/notification-text.ts';
import type { Notification } from '../workflow/notifications.ts';

/** Where a notification stands in its delivery (#21). */
export type NotificationState =
  /** Owed and not yet settled: the worker delivers it, in order. */
  | 'PENDING'
  | 'DELIVERED'
  /** Every try failed; the queue dead-lettered it. An operator may replay it (npm run ops -- notifications replay). */
  | 'DEAD'
  /** The marketplace's receiver answered 410 Gone (now or before): nothing more is sent until it is resubscribed. */
  | 'UNSUBSCRIBED'
  /** Nothing to send: the marketplace has no notification channel, or its channel takes no such event. */
  | 'NOT_SENT';

/** A notification as stored: the committed notification and where its delivery stands. */
export type StoredNotification = {
  readonly notification: Notification;
  readonly state: NotificationState;
  readonly attempts: number;
  /** True while the relay has not yet handed it to the queue. */
  readonly unqueued: boolean;
};

/** One delivery attempt settled: the notification's new state and its history entry. */
export type NotificationAttempt = {
  readonly notification: Notification;
  /** The attempts recorded when it was read: the write is conditional on it (two workers cannot both count). */
  readonly expectedAttempts: number;
  readonly state: NotificationState;
  /** The case history entry of the attempt; absent for a notification with nowhere to go (NOT_SENT). */
  readonly event?: HistoryEvent;
};

/** A marketplace's receiver, unsubscribed when it answered 410 Gone. */
export type Subscription = { readonly state: 'ACTIVE' } | { readonly state: 'GONE'; readonly since: string; readonly eventId: string };

/** A notification waiting for the relay: which one, and how often an operator replayed it. */
export type UnqueuedNotification = {
  readonly caseId: string;
  readonly eventId: string;
  readonly caseVersion: number;
  readonly seq: number;
  /** 0, then one more per replay: a replay is a new message, not a repeat SQS would drop. */
  readonly generation: number;
};

/**
 * The notifications the case store wrote with each change (the outbox), and their delivery
 * records. ConcurrentModificationError when a conditional write finds the record moved on.
 */
export interface NotificationOutbox {
  /** Notifications not yet handed to the queue, oldest first per shard, at most `limit`. */
  listUnqueued(limit: number): Promise<UnqueuedNotification[]>;
  /** Marks one as handed to the queue (it leaves the unqueued index). Harmless when already marked. */
  markQueued(n: { readonly caseId: string; readonly caseVersion: number; readonly seq: number }): Promise<void>;
  /** Every notification of a case, in the order their changes were written. */
  forCase(caseId: string): Promise<StoredNotification[]>;
  /** Records an attempt (state, attempts + 1, history entry) in one conditional write. */
  recordAttempt(attempt: NotificationAttempt): Promise<void>;
  /** Puts a DEAD or UNSUBSCRIBED notification back to PENDING and into the unqueued index (operator replay). */
  replay(
    n: { readonly caseId: string; readonly caseVersion: number; readonly seq: number },
    expectedState: NotificationState,
  ): Promise<void>;
  subscription(marketplace: string): Promise<Subscription>;
  /** After a 410 Gone: the marketplace's receiver wants nothing more. */
  unsubscribe(marketplace: string, at: string, eventId: string): Promise<void>;
  resubscribe(marketplace: string): Promise<void>;
}

/** Hands notifications to the delivery queue: per case in order, the event id as deduplication id. */
export interface NotificationQueue {
  enqueue(message: { readonly caseId: string; readonly eventId: string; readonly generation?: number }): Promise<void>;
}

/** What a marketplace's receiver (or its API) answered. */
export type ChannelAnswer =
  | { readonly outcome: 'DELIVERED'; readonly status?: number; readonly reference?: string }
  /** 410 Gone: unsubscribe, send nothing more. */
  | { readonly outcome: 'GONE'; readonly status: number }
  /** Anything else: try again later (timeouts, 5xx, 429, other 4xx). */
  | { readonly outcome: 'FAILED'; readonly status?: number; readonly detail: string }
  /** Refused for good (the marketplace's API says it cannot be done): dead-lettered at once, no retry. */
  | { readonly outcome: 'REFUSED'; readonly detail: string }
  /** The channel takes no such event (Shopify tells its buyers of refunds itself). */
  | { readonly outcome: 'NOT_APPLICABLE' };

/** One way to tell a marketplace: a signed webhook, or its own API (Shopify's Admin API). */
export interface NotificationChannel {
  /** `webhook` or `shopify-admin`, recorded with each attempt. */
  readonly kind: string;
  deliver(notification: Notification, explanation: Explanation): Promise<ChannelAnswer>;
}

/** The channel configured for a marketplace, and the locale its buyers read by default. */
export interface NotificationChannels {
  channelFor(marketplace: string): Promise<{ channel: NotificationChannel; defaultLocale?: 'en' | 'zh-CN' } | undefined>;
}
