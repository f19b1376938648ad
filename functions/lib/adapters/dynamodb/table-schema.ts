import {
  caseTable,
  type DUE_INDEX_PROJECTION,
  DUE_INDEX_SHARDS,
  type IndexDefinition,
  type SELLER_INDEX_PROJECTION,
} from '#infra/definitions.ts';
import {
  awaitsAppealDecision,
  type CarrierClaimWatch,
  type CaseRecord,
  type HistoryEvent,
  isWatchedByDeadline,
  type RefundRecord,
} from '../../workflow/case.ts';
import { type EscalationFacts, escalationFactsOf } from '../../workflow/escalation.ts';
import { claimDueAt } from '../../workflow/carrier-claim.ts';
import type { OutboxRecord } from '../../workflow/decision-step.ts';
import type { Notification } from '../../workflow/notifications.ts';
import type { ReasonCode } from '../../contract/reason-codes.ts';
import type { DeliveryRecord, HeldEvent } from '../../ports/case-store.ts';
import type { NotificationState, StoredNotification, UnqueuedNotification } from '../../ports/notifications.ts';
import type { CaseListingItem } from '../../ports/case-listing.ts';
import type { DueCaseListing } from '../../ports/due-cases.ts';
import type { IndexName } from '../../../manifest.ts';

/**
 * What goes into the single table: keys, sort-key orders, index attributes and the mapping
 * between items and records. Every adapter, benchmark, soak check and test that touches an
 * item goes through here. The table's shape (key attribute names, indexes, projections) is
 * infra/definitions.ts's caseTable, which the CDK stack and the local engine build from; the
 * names used here are read from it, so the two cannot drift apart.
 *
 * | item      | pk                                | sk                      |
 * |-----------|-----------------------------------|-------------------------|
 * | case      | CASE#<caseId>                     | CASE                    |
 * | history   | CASE#<caseId>                     | EVENT#<version>#<seq>   |
 * | outbox    | CASE#<caseId>                     | OUTBOX#<refundId>       |
 * | delivery  | DELIVERY#<marketplace>#<delivery> | DELIVERY                |
 * | held      | CASE#<caseId>                     | HELD, HELD#<seq>        |
 * | notification | CASE#<caseId>                  | NOTIFY#<version>#<seq>  |
 * | delivery attempt | CASE#<caseId>              | EVENT#<version>#~N<seq>#<attempt> |
 * | subscription | SUBSCRIPTION#<marketplace>     | SUBSCRIPTION            |
 *
 * Case and history share a partition, so one Query reads a case's whole record. Held items
 * (events that arrived before their return) exist only while the case does not.
 *
 * Indexes, their attributes written by this module from the case or the outbox record:
 *
 * | index           | partition key              | sort key                           | holds                                    |
 * |-----------------|----------------------------|------------------------------------|------------------------------------------|
 * | bySellerDue     | gsi1pk = SELLER#<sellerId> | gsi1sk = <dueAt or 9999…>#<caseId> | every case                               |
 * | byOpenDeadline  | deadlineShard = DUE#<0..7> | deadlineAt = <dueAt>               | cases awaiting staff with a deadline     |
 * | byPendingOutbox | outboxShard = OUTBOX#<0..7>| outboxAt = <createdAt>             | refunds not yet on the queue             |
 * | byUnqueuedNotification | notifyShard = NOTIFY#<0..7> | notifyAt = <occurredAt>#<version>#<seq> | notifications not yet on their queue |
 *
 * A notification's delivery attempts are history items that sort right after the events of
 * the write that owed it (`~` sorts after the digits of a seq), so the case's history shows
 * each attempt and its answer next to the change it announced.
 */

type Item = Record<string, unknown>;
type Gsi = (typeof caseTable.globalSecondaryIndexes)[number];

function indexNamed<N extends IndexName>(name: N): Extract<Gsi, { indexName: N }> {
  const found = caseTable.globalSecondaryIndexes.find((i) => i.indexName === name);
  if (found === undefined) throw new Error(`infra/definitions.ts has no index ${name}`);
  return found as Extract<Gsi, { indexName: N }>;
}

/** Every case of a seller, ordered by its next deadline: the seller listing. */
export const sellerDueIndex = indexNamed('bySellerDue');
/** Sparse: cases waiting for staff with a deadline, sharded; the escalation sweep. */
export const openDeadlineIndex = indexNamed('byOpenDeadline');
/** Sparse: refunds recorded but not yet on the queue, sharded; the outbox relay. */
export const pendingOutboxIndex = indexNamed('byPendingOutbox');
/** Sparse: notifications not yet handed to the notification queue, sharded; the notification relay (#21). */
export const unqueuedNotificationIndex = indexNamed('byUnqueuedNotification');
/** REFUND_APPLIED events by the day they were paid (reconciliation, #16). */
export const refundPaidIndex = indexNamed('byRefundPaid');
/** The paid-refunds index partition of one UTC day (`YYYY-MM-DD`). */
export const paidDayOf = (day: string) => `PAID#${day}`;

/** The base table's key, under the attribute names caseTable gives it. */
export type TableKey = Record<typeof caseTable.partitionKey.name | typeof caseTable.sortKey.name, string>;
const PK = caseTable.partitionKey.name;
const SK = caseTable.sortKey.name;
const TTL = caseTable.timeToLiveAttribute;

// Attributes derived from the case so its index entries carry what their readers need; the
// names are checked against the projections in infra/definitions.ts.
const LISTING_SUMMARY = 'listingSummary' satisfies (typeof SELLER_INDEX_PROJECTION)[number];
const ESCALATION_FACTS = 'escalationFacts' satisfies (typeof DUE_INDEX_PROJECTION)[number];

/* ---- Keys ------------------------------------------------------------------------------- */

const CASE_PREFIX = 'CASE#';
const CASE_SK = 'CASE';
const EVENT_PREFIX = 'EVENT#';
const OUTBOX_PREFIX = 'OUTBOX#';
const DELIVERY_PREFIX = 'DELIVERY#';
const DELIVERY_SK = 'DELIVERY';
const HELD_GUARD_SK = 'HELD';
const HELD_EVENT_PREFIX = 'HELD#';
const NOTIFY_PREFIX = 'NOTIFY#';
/** Inside a history sort key: what follows is a notification's delivery attempt. */
const ATTEMPT_MARK = '#~N';
const SUBSCRIPTION_PREFIX = 'SUBSCRIPTION#';
const SUBSCRIPTION_SK = 'SUBSCRIPTION';
/** Sorts after every real deadline: cases without one list last. */
export const NO_DEADLINE = '9999-12-31T23:59:59.999Z';

const casePartition = (caseId: string) => `${CASE_PREFIX}${caseId}`;

export const caseKey = (caseId: string): TableKey => ({ [PK]: casePartition(caseId), [SK]: CASE_SK });

/** Zero-padded, so history sorts by version, then by the order of events within one write. */
export const eventKey = (e: Pick<HistoryEvent, 'caseId' | 'version' | 'seq'>): TableKey => ({
  [PK]: casePartition(e.caseId),
  [SK]: `${EVENT_PREFIX}${String(e.version).padStart(10, '0')}#${String(e.seq).padStart(3, '0')}`,
});

export const outboxKey = (caseId: string, refundId: string): TableKey => ({
  [PK]: casePartition(caseId),
  [SK]: `${OUTBOX_PREFIX}${refundId}`,
});

export const deliveryKey = (marketplace: string, deliveryId: string): TableKey => ({
  [PK]: `${DELIVERY_PREFIX}${marketplace}#${deliveryId}`,
  [SK]: DELIVERY_SK,
});

/** A notification, in its case's partition, sorted by the write that owed it. */
export const notificationKey = (caseId: string, caseVersion: number, seq: number): TableKey => ({
  [PK]: casePartition(caseId),
  [SK]: `${NOTIFY_PREFIX}${String(caseVersion).padStart(10, '0')}#${String(seq).padStart(2, '0')}`,
});

/** A delivery attempt of a notification: a history item right after the write that owed it. */
export const notificationAttemptKey = (caseId: string, caseVersion: number, seq: number, attempt: number): TableKey => ({
  [PK]: casePartition(caseId),
  [SK]: `${EVENT_PREFIX}${String(caseVersion).padStart(10, '0')}${ATTEMPT_MARK}${String(seq).padStart(2, '0')}#${String(attempt).padStart(4, '0')}`,
});

/** A marketplace's notification subscription state (a receiver that answered 410 Gone). */
export const subscriptionKey = (marketplace: string): TableKey => ({
  [PK]: `${SUBSCRIPTION_PREFIX}${marketplace}`,
  [SK]: SUBSCRIPTION_SK,
});

/** The held events' guard (its version), in the case's partition. */
export const heldGuardKey = (caseId: string): TableKey => ({ [PK]: casePartition(caseId), [SK]: HELD_GUARD_SK });

export const heldEventKey = (caseId: string, seq: number): TableKey => ({
  [PK]: casePartition(caseId),
  [SK]: `${HELD_EVENT_PREFIX}${String(seq).padStart(4, '0')}`,
});

/** Condition of a write that must create its item, never overwrite one. */
export const ITEM_ABSENT = `attribute_not_exists(${PK})`;

/** What an item is, from its key alone: for readers that scan the whole table. */
export type ItemKind =
  | { readonly kind: 'CASE'; readonly caseId: string }
  | { readonly kind: 'EVENT'; readonly caseId: string }
  | { readonly kind: 'OUTBOX'; readonly caseId: string; readonly refundId: string }
  | { readonly kind: 'HELD'; readonly caseId: string }
  | { readonly kind: 'DELIVERY' }
  | { readonly kind: 'NOTIFICATION'; readonly caseId: string }
  | { readonly kind: 'NOTIFICATION_ATTEMPT'; readonly caseId: string }
  | { readonly kind: 'SUBSCRIPTION' }
  | { readonly kind: 'UNKNOWN' };

export function itemKindOf(item: Item): ItemKind {
  const pk = String(item[PK]);
  const sk = String(item[SK]);
  if (pk.startsWith(DELIVERY_PREFIX) && sk === DELIVERY_SK) return { kind: 'DELIVERY' };
  if (pk.startsWith(SUBSCRIPTION_PREFIX) && sk === SUBSCRIPTION_SK) return { kind: 'SUBSCRIPTION' };
  if (!pk.startsWith(CASE_PREFIX)) return { kind: 'UNKNOWN' };
  const caseId = pk.slice(CASE_PREFIX.length);
  if (sk === CASE_SK) return { kind: 'CASE', caseId };
  if (sk.startsWith(EVENT_PREFIX) && sk.includes(ATTEMPT_MARK)) return { kind: 'NOTIFICATION_ATTEMPT', caseId };
  if (sk.startsWith(EVENT_PREFIX)) return { kind: 'EVENT', caseId };
  if (sk.startsWith(NOTIFY_PREFIX)) return { kind: 'NOTIFICATION', caseId };
  if (sk.startsWith(OUTBOX_PREFIX)) return { kind: 'OUTBOX', caseId, refundId: sk.slice(OUTBOX_PREFIX.length) };
  if (sk === HELD_GUARD_SK || sk.startsWith(HELD_EVENT_PREFIX)) return { kind: 'HELD', caseId };
  return { kind: 'UNKNOWN' };
}

/* ---- Queries ---------------------------------------------------------------------------- */

/** The key part of a Query; the caller adds the table name, paging and anything else. */
export type KeyQuery = {
  readonly IndexName?: IndexName;
  readonly KeyConditionExpression: string;
  readonly ExpressionAttributeValues: Record<string, string>;
};

/** A case's partition: all of it (case, history, outbox, held), or only its history, held events or notifications. */
export function casePartitionQuery(caseId: string, only?: 'history' | 'held' | 'notifications'): KeyQuery {
  const pk = { ':pk': casePartition(caseId) };
  if (only === undefined) return { KeyConditionExpression: `${PK} = :pk`, ExpressionAttributeValues: pk };
  // HELD is a prefix of HELD#: one condition reads the guard and the events.
  const prefix = only === 'history' ? EVENT_PREFIX : only === 'held' ? HELD_GUARD_SK : NOTIFY_PREFIX;
  return { KeyConditionExpression: `${PK} = :pk AND begins_with(${SK}, :prefix)`, ExpressionAttributeValues: { ...pk, ':prefix': prefix } };
}

/**
 * Where a case's history can be resumed from: the sort key of one of its history items (an
 * event, `EVENT#<version>#<seq>`, or a notification's delivery attempt). Anything else is not a
 * position this table issues and is refused before it is read with.
 */
const HISTORY_POSITION = /^EVENT#\d{10}(#\d{3}|#~N\d{2}#\d{4})$/;

export function isHistoryPosition(position: string): boolean {
  return HISTORY_POSITION.test(position);
}

/** The position of a history item read from the table (its sort key). */
export const historyPositionOf = (item: Item): string => String(item[SK]);

/** The key to resume a history query before `position` (exclusive), in the case's partition. */
export const historyStartKey = (caseId: string, position: string): TableKey => ({ [PK]: casePartition(caseId), [SK]: position });

/** Spreads sparse-index writes over a few partitions; readers query every shard. */
function shardOf(id: string, shards = DUE_INDEX_SHARDS): number {
  let h = 0;
  for (let i = 0; i < id.length; i++) h = (h * 31 + id.charCodeAt(i)) >>> 0;
  return h % shards;
}

const dueShard = (shard: number) => `DUE#${shard}`;
const outboxShard = (shard: number) => `OUTBOX#${shard}`;
const notifyShard = (shard: number) => `NOTIFY#${shard}`;
const sellerPartition = (sellerId: string) => `SELLER#${sellerId}`;

type SortCondition = { readonly condition: string; readonly values: Record<string, string> };

/** One partition of an index, all of it or the entries whose sort key meets `sort`. */
function indexQuery(index: IndexDefinition & { readonly indexName: IndexName }, partition: string, sort?: SortCondition): KeyQuery {
  const key = `${index.partitionKey.name} = :pk`;
  return {
    IndexName: index.indexName,
    KeyConditionExpression: sort === undefined ? key : `${key} AND ${index.sortKey.name} ${sort.condition}`,
    ExpressionAttributeValues: { ':pk': partition, ...sort?.values },
  };
}

/** One shard of byOpenDeadline: every entry, or those due by `dueBy` (inclusive), oldest first. */
export function dueCasesQuery(shard: number, dueBy?: string): KeyQuery {
  return indexQuery(
    openDeadlineIndex,
    dueShard(shard),
    dueBy === undefined ? undefined : { condition: '<= :by', values: { ':by': dueBy } },
  );
}

/** One shard of byPendingOutbox: every record, or those created before `createdBefore`. */
export function pendingOutboxQuery(shard: number, createdBefore?: string): KeyQuery {
  return indexQuery(
    pendingOutboxIndex,
    outboxShard(shard),
    createdBefore === undefined ? undefined : { condition: '< :before', values: { ':before': createdBefore } },
  );
}

/** One shard of byUnqueuedNotification, oldest first. */
export function unqueuedNotificationsQuery(shard: number): KeyQuery {
  return indexQuery(unqueuedNotificationIndex, notifyShard(shard));
}

/**
 * One seller's cases in bySellerDue, by sort key: after a position (exclusive), before a
 * deadline (exclusive), both (BETWEEN, which includes `after`: the caller skips that entry),
 * or all. A sort key `<dueAt>#<caseId>` sorts before the bare instant `<before>` exactly
 * when dueAt < before, so "due before" is a plain key range.
 */
export function sellerCasesQuery(
  sellerId: string,
  range: { readonly after?: string | undefined; readonly before?: string | undefined } = {},
): KeyQuery {
  const { after, before } = range;
  const sort: SortCondition | undefined =
    after !== undefined && before !== undefined
      ? { condition: 'BETWEEN :after AND :before', values: { ':after': after, ':before': before } }
      : after !== undefined
        ? { condition: '> :after', values: { ':after': after } }
        : before !== undefined
          ? { condition: '< :before', values: { ':before': before } }
          : undefined;
  return indexQuery(sellerDueIndex, sellerPartition(sellerId), sort);
}

/** A listing position: a bySellerDue sort key, `<deadline>#<caseId>`. */
const SELLER_SORT_KEY = /^[^#]{1,64}#cs_[0-9a-f]{24}$/;

export function isSellerPosition(position: string): boolean {
  return SELLER_SORT_KEY.test(position);
}

/** The bySellerDue sort key of an entry or of a LastEvaluatedKey: where a listing stands. */
export function sellerPositionOf(entry: Item): string {
  return String(entry[sellerDueIndex.sortKey.name]);
}

/* ---- Index attributes -------------------------------------------------------------------- */

/** The case fields the index attributes follow from. */
export type IndexedFields = Pick<CaseRecord, 'caseId' | 'sellerId' | 'status' | 'dueAt'> & {
  readonly carrierClaim?: CarrierClaimWatch | undefined;
  /** A refunded case whose appeal waits for staff (#19): its deadline is watched like a staff case's. */
  readonly appealPending?: boolean | undefined;
};

/** The index fields of a whole case. */
export function indexedFieldsOf(c: CaseRecord): IndexedFields {
  return { ...c, appealPending: awaitsAppealDecision(c) };
}

/**
 * In byOpenDeadline by its own deadline: waiting for staff (escalation), for the return parcel
 * (return window), or, settled, for staff to decide its appeal.
 */
export const inDueIndex = (c: Pick<IndexedFields, 'status' | 'dueAt' | 'appealPending'>) =>
  c.dueAt !== undefined && (isWatchedByDeadline(c.status) || c.appealPending === true);

/**
 * Where the case stands in byOpenDeadline: its own deadline (inDueIndex) or a carrier claim's
 * warning or filing deadline (#19), whichever comes first; undefined when neither watches it.
 */
export function dueIndexAt(c: Pick<IndexedFields, 'status' | 'dueAt' | 'carrierClaim' | 'appealPending'>): string | undefined {
  const own = inDueIndex(c) ? c.dueAt : undefined;
  const claim = claimDueAt(c.carrierClaim);
  if (own === undefined) return claim;
  if (claim === undefined) return own;
  return Date.parse(claim) < Date.parse(own) ? claim : own;
}

/**
 * Index attributes derived from the case, so no writer can forget to keep them in step:
 * - bySellerDue: every case of a seller, ordered by its next deadline;
 * - byOpenDeadline (sparse): only cases waiting for staff with a deadline, spread over
 *   DUE_INDEX_SHARDS partitions so the escalation sweep reads only what is due. Such a case
 *   also carries its EscalationFacts, which the index projects (DUE_INDEX_PROJECTION) with
 *   the top-level fields a DueCase has, so the sweep never reads the case itself.
 */
export function caseIndexAttributes(c: IndexedFields): Record<string, string> {
  const attributes: Record<string, string> = {
    [sellerDueIndex.partitionKey.name]: sellerPartition(c.sellerId),
    [sellerDueIndex.sortKey.name]: `${c.dueAt ?? NO_DEADLINE}#${c.caseId}`,
  };
  const deadlineAt = dueIndexAt(c);
  if (deadlineAt !== undefined) {
    attributes[openDeadlineIndex.partitionKey.name] = dueShard(shardOf(c.caseId));
    attributes[openDeadlineIndex.sortKey.name] = deadlineAt;
  }
  return attributes;
}

/** Attributes only a case in the due index has; a write that takes it out removes them. */
export const DUE_INDEX_ATTRIBUTES = [openDeadlineIndex.partitionKey.name, openDeadlineIndex.sortKey.name, ESCALATION_FACTS] as const;

/**
 * Case fields EscalationFacts follow from: a patch that keeps the case due must not touch
 * them. (A patch can never change what ListingSummary follows from: CasePatch excludes
 * return and decision.)
 */
export const ESCALATION_FACT_SOURCES = ['return', 'decision', 'refund', 'ledger', 'returnLeg'] as const;

/** Attributes the store derives from a case for its indexes: never part of a CaseRecord. */
export const derivedCaseAttributes = [
  sellerDueIndex.partitionKey.name,
  sellerDueIndex.sortKey.name,
  ...DUE_INDEX_ATTRIBUTES,
  LISTING_SUMMARY,
] as const;

/** What a seller's listing shows from the return and the decision (bySellerDue projects it, not them). */
type ListingSummary = { readonly reason: string; readonly remedy?: string; readonly confidence?: number };

function listingSummaryOf(c: CaseRecord): ListingSummary {
  return {
    reason: c.return.reason,
    ...(c.decision === undefined ? {} : { remedy: c.decision.remedy, confidence: c.decision.confidence }),
  };
}

/** The attribute names an index entry holds: the table's keys, its own keys and its projection. */
export function indexEntryAttributes(index: IndexDefinition & { readonly projection: 'KEYS_ONLY' | readonly string[] }): readonly string[] {
  return [PK, SK, index.partitionKey.name, index.sortKey.name, ...(index.projection === 'KEYS_ONLY' ? [] : index.projection)];
}

/** The entry `index` holds for `item`, or undefined when the item is not in it (sparse). */
export function indexEntryOf(index: IndexDefinition, item: Item): Item | undefined {
  if (item[index.partitionKey.name] === undefined || item[index.sortKey.name] === undefined) return undefined;
  const { projection } = index;
  if (projection === 'ALL') return item;
  const names = new Set(indexEntryAttributes({ ...index, projection }));
  return Object.fromEntries(Object.entries(item).filter(([k]) => names.has(k)));
}

/* ---- Items ------------------------------------------------------------------------------ */

/** The stored case item; exported so benchmarks can bulk-seed with the exact same mapping. */
export function toCaseItem(c: CaseRecord): Item {
  const indexed = indexedFieldsOf(c);
  return {
    ...caseKey(c.caseId),
    type: 'CASE',
    ...c,
    ...caseIndexAttributes(indexed),
    [LISTING_SUMMARY]: listingSummaryOf(c),
    ...(dueIndexAt(indexed) !== undefined ? { [ESCALATION_FACTS]: escalationFactsOf(c) } : {}),
  };
}

const notCaseFields: ReadonlySet<string> = new Set([PK, SK, 'type', ...derivedCaseAttributes]);

export function fromCaseItem(item: Item): CaseRecord {
  return Object.fromEntries(Object.entries(item).filter(([k]) => !notCaseFields.has(k))) as unknown as CaseRecord;
}

export function toEventItem(event: HistoryEvent): Item {
  return {
    ...eventKey(event),
    type: 'EVENT',
    ...event,
    ...(event.action === 'REFUND_APPLIED'
      ? {
          [refundPaidIndex.partitionKey.name]: paidDayOf(event.at.slice(0, 10)),
          [refundPaidIndex.sortKey.name]: `${event.at}#${event.caseId}#${event.version}`,
        }
      : {}),
  };
}

export function fromEventItem(item: Item): HistoryEvent {
  const {
    [PK]: _pk,
    [SK]: _sk,
    type: _type,
    [refundPaidIndex.partitionKey.name]: _day,
    [refundPaidIndex.sortKey.name]: _paidAt,
    ...rest
  } = item;
  return rest as unknown as HistoryEvent;
}

export function toOutboxItem(o: OutboxRecord): Item {
  return {
    ...outboxKey(o.caseId, o.refundId),
    type: 'OUTBOX',
    ...o,
    [pendingOutboxIndex.partitionKey.name]: outboxShard(shardOf(o.caseId)),
    [pendingOutboxIndex.sortKey.name]: o.createdAt,
  };
}

/** An outbox record from its item or its byPendingOutbox entry (which projects the message). */
export function fromOutboxItem(item: Item): OutboxRecord {
  const { caseId, refundId, createdAt, message } = item as OutboxRecord;
  return { caseId, refundId, createdAt, message };
}

/** Attributes only an unqueued notification has; handing it to the queue removes them. */
export const UNQUEUED_NOTIFICATION_ATTRIBUTES = [
  unqueuedNotificationIndex.partitionKey.name,
  unqueuedNotificationIndex.sortKey.name,
] as const;

/** A new notification item: PENDING, in the unqueued index. */
export function toNotificationItem(n: Notification): Item {
  return {
    ...notificationKey(n.caseId, n.caseVersion, n.seq),
    type: 'NOTIFICATION',
    caseId: n.caseId,
    eventId: n.eventId,
    notification: n,
    state: 'PENDING' satisfies NotificationState,
    attempts: 0,
    generation: 0,
    [unqueuedNotificationIndex.partitionKey.name]: notifyShard(shardOf(n.caseId)),
    [unqueuedNotificationIndex.sortKey.name]:
      `${n.occurredAt}#${String(n.caseVersion).padStart(10, '0')}#${String(n.seq).padStart(2, '0')}`,
  };
}

/** Which notification a byUnqueuedNotification entry is (its projection: caseId, eventId and the keys). */
export function unqueuedNotificationOf(entry: Item): UnqueuedNotification | undefined {
  const [, version, seq] = new RegExp(`^${NOTIFY_PREFIX}(\\d+)#(\\d+)$`).exec(String(entry[SK])) ?? [];
  if (version === undefined || seq === undefined) return undefined;
  return {
    caseId: entry.caseId as string,
    eventId: entry.eventId as string,
    caseVersion: Number(version),
    seq: Number(seq),
    generation: (entry.generation as number | undefined) ?? 0,
  };
}

export function fromNotificationItem(item: Item): StoredNotification {
  return {
    notification: item.notification as Notification,
    state: item.state as NotificationState,
    attempts: item.attempts as number,
    unqueued: item[unqueuedNotificationIndex.partitionKey.name] !== undefined,
  };
}

/** A delivery attempt as a history event of the case (actor: the notification worker). */
export function toNotificationAttemptItem(
  event: HistoryEvent,
  n: Pick<Notification, 'caseId' | 'caseVersion' | 'seq'>,
  attempt: number,
): Item {
  return { ...notificationAttemptKey(n.caseId, n.caseVersion, n.seq, attempt), type: 'NOTIFICATION_ATTEMPT', ...event };
}

/** How long a delivery record keeps a retry from being applied twice; DynamoDB TTL removes it after. */
const DELIVERY_RETENTION_SECONDS = 30 * 24 * 3600;

/** The delivery item for `deliveryId`: the delivery's own id or one of its aliases. */
export function toDeliveryItem(delivery: DeliveryRecord, deliveryId: string = delivery.deliveryId): Item {
  return {
    ...deliveryKey(delivery.marketplace, deliveryId),
    type: 'DELIVERY',
    ...delivery,
    deliveryId,
    [TTL]: Math.floor(Date.parse(delivery.receivedAt) / 1000) + DELIVERY_RETENTION_SECONDS,
  };
}

export function fromDeliveryItem(item: Item): DeliveryRecord {
  const { marketplace, deliveryId, caseId, payloadHash, receivedAt } = item as DeliveryRecord;
  return { marketplace, deliveryId, caseId, payloadHash, receivedAt };
}

export function toHeldGuardItem(caseId: string, version: number, expiresAt: number): Item {
  return { ...heldGuardKey(caseId), type: 'HELD', caseId, version, [TTL]: expiresAt };
}

export function toHeldEventItem(event: HeldEvent, expiresAt: number): Item {
  return { ...heldEventKey(event.caseId, event.seq), type: 'HELD_EVENT', ...event, [TTL]: expiresAt };
}

/** A held item read back: the guard's version, or one held event. */
export function fromHeldItem(item: Item): { readonly guardVersion: number } | { readonly event: HeldEvent } {
  if (item[SK] === HELD_GUARD_SK) return { guardVersion: item.version as number };
  const { caseId, seq, marketplace, deliveryId, eventType, receivedAt, parsed } = item as HeldEvent;
  return { event: { caseId, seq, marketplace, deliveryId, eventType, receivedAt, parsed } };
}

/* ---- Index entries ------------------------------------------------------------------------ */

/** A bySellerDue entry as a listing item: the summary's fields back in their CaseRecord places. */
export function listingItemOf(entry: Item): CaseListingItem {
  const {
    [PK]: _pk,
    [SK]: _sk,
    [sellerDueIndex.partitionKey.name]: _partition,
    [sellerDueIndex.sortKey.name]: _position,
    [LISTING_SUMMARY]: listingSummary,
    resolution,
    refund,
    ...fields
  } = entry as Item & {
    listingSummary: ListingSummary;
    resolution?: { remedy: string };
    refund?: { status: RefundRecord['status']; amount: number; currency: string };
  };
  const { reason, remedy, confidence } = listingSummary as ListingSummary;
  return {
    ...(fields as Omit<CaseListingItem, 'return' | 'decision' | 'resolution' | 'refund'>),
    return: { reason: reason as ReasonCode },
    ...(remedy === undefined || confidence === undefined ? {} : { decision: { remedy, confidence } }),
    ...(resolution === undefined ? {} : { resolution: { remedy: resolution.remedy } }),
    ...(refund === undefined ? {} : { refund: { status: refund.status, amount: refund.amount, currency: refund.currency } }),
  };
}

/**
 * A byOpenDeadline entry as a DueCase listing; without escalation facts (an entry written
 * before they existed), only the id and deadline. Undefined for anything but a case item.
 */
export function dueListingOf(entry: Item): DueCaseListing | undefined {
  const kind = itemKindOf(entry);
  if (kind.kind !== 'CASE') return undefined;
  const { caseId } = kind;
  const dueAt = entry[openDeadlineIndex.sortKey.name] as string;
  const facts = entry[ESCALATION_FACTS] as EscalationFacts | undefined;
  if (facts === undefined) return { caseId, dueAt };
  return {
    caseId,
    dueAt,
    due: {
      caseId,
      dueAt,
      sellerId: entry.sellerId as string,
      marketplace: entry.marketplace as string,
      status: entry.status as CaseRecord['status'],
      version: entry.version as number,
      escalationLevel: entry.escalationLevel as CaseRecord['escalationLevel'],
      facts,
    },
  };
}
