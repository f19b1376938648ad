import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, type DynamoDBDocumentClient, GetCommand, QueryCommand, TransactWriteCommand, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { DUE_INDEX_SHARDS } from '#infra/definitions.ts';
import { type CaseRecord, type HistoryEvent, isAwaitingStaff } from '../workflow/case.ts';
import { escalationFactsOf } from '../workflow/escalation.ts';
import type { OutboxRecord } from '../workflow/decision-step.ts';
import { ConcurrentModificationError, DuplicateDeliveryError } from '../contract/errors.ts';
import type { CaseCommit, CasePatch, CaseStore, DeliveryRecord, HeldEvent, HeldEvents, HoldEventChange } from '../ports/case-store.ts';

/**
 * Single-table layout (keys and indexes defined in infra/definitions.ts):
 *
 * | item      | pk                                | sk                      |
 * |-----------|-----------------------------------|-------------------------|
 * | case      | CASE#<caseId>                     | CASE                    |
 * | history   | CASE#<caseId>                     | EVENT#<version>#<seq>   |
 * | outbox    | CASE#<caseId>                     | OUTBOX#<refundId>       |
 * | delivery  | DELIVERY#<marketplace>#<delivery> | DELIVERY                |
 * | held      | CASE#<caseId>                     | HELD, HELD#<seq>        |
 *
 * Case and history share a partition, so one Query reads a case's whole record. Held items
 * (events that arrived before their return) exist only while the case does not.
 */

const DELIVERY_RETENTION_SECONDS = 30 * 24 * 3600;

export const caseKey = (caseId: string) => ({ pk: `CASE#${caseId}`, sk: 'CASE' });
const deliveryKey = (marketplace: string, deliveryId: string) => ({
  pk: `DELIVERY#${marketplace}#${deliveryId}`,
  sk: 'DELIVERY',
});
const outboxKey = (caseId: string, refundId: string) => ({ pk: `CASE#${caseId}`, sk: `OUTBOX#${refundId}` });
/** The held events' guard (its version) and the events themselves, in the case's partition. */
const heldGuardKey = (caseId: string) => ({ pk: `CASE#${caseId}`, sk: 'HELD' });
const heldEventKey = (caseId: string, seq: number) => ({ pk: `CASE#${caseId}`, sk: `HELD#${String(seq).padStart(4, '0')}` });

/** Spreads sparse-index writes over a few partitions; readers query every shard. */
export function shardOf(id: string, shards = DUE_INDEX_SHARDS): number {
  let h = 0;
  for (let i = 0; i < id.length; i++) h = (h * 31 + id.charCodeAt(i)) >>> 0;
  return h % shards;
}

type TransactItems = NonNullable<TransactWriteCommandInput['TransactItems']>;
type TransactItem = TransactItems[number];

const eventSortKey = (e: HistoryEvent) =>
  `EVENT#${String(e.version).padStart(10, '0')}#${String(e.seq).padStart(3, '0')}`;

/** Sorts after every real deadline: cases without one list last. */
const NO_DEADLINE = '9999-12-31T23:59:59.999Z';

/** The case fields the index attributes follow from. */
type IndexedFields = Pick<CaseRecord, 'caseId' | 'sellerId' | 'status' | 'dueAt'>;

const inDueIndex = (c: Pick<CaseRecord, 'status' | 'dueAt'>) => c.dueAt !== undefined && isAwaitingStaff(c.status);

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
    gsi1pk: `SELLER#${c.sellerId}`,
    gsi1sk: `${c.dueAt ?? NO_DEADLINE}#${c.caseId}`,
  };
  if (c.dueAt !== undefined && inDueIndex(c)) {
    attributes.deadlineShard = `DUE#${shardOf(c.caseId)}`;
    attributes.deadlineAt = c.dueAt;
  }
  return attributes;
}

/** What a seller's listing shows from the return and the decision (bySellerDue projects it, not them). */
export type ListingSummary = { readonly reason: string; readonly remedy?: string; readonly confidence?: number };

export function listingSummaryOf(c: CaseRecord): ListingSummary {
  return {
    reason: c.return.reason,
    ...(c.decision === undefined ? {} : { remedy: c.decision.remedy, confidence: c.decision.confidence }),
  };
}

/** The stored case item; exported so benchmarks can bulk-seed with the exact same mapping. */
export function toCaseItem(c: CaseRecord): Record<string, unknown> {
  return {
    ...caseKey(c.caseId),
    type: 'CASE',
    ...c,
    ...caseIndexAttributes(c),
    listingSummary: listingSummaryOf(c),
    ...(inDueIndex(c) ? { escalationFacts: escalationFactsOf(c) } : {}),
  };
}

export function fromCaseItem(item: Record<string, unknown>): CaseRecord {
  const {
    pk: _pk,
    sk: _sk,
    type: _type,
    gsi1pk: _g1,
    gsi1sk: _g2,
    deadlineShard: _d1,
    deadlineAt: _d2,
    escalationFacts: _f,
    listingSummary: _l,
    ...rest
  } = item;
  return rest as unknown as CaseRecord;
}

/**
 * Fields EscalationFacts follow from: a patch that keeps the case due must not touch them.
 * (A patch can never change what ListingSummary follows from: CasePatch excludes return
 * and decision.)
 */
const FACT_SOURCES = ['return', 'decision', 'refund', 'ledger'] as const;
/** Attributes only a case in the due index has. */
const DUE_INDEX_ATTRIBUTES = ['deadlineShard', 'deadlineAt', 'escalationFacts'] as const;

function fromEventItem(item: Record<string, unknown>): HistoryEvent {
  const { pk: _pk, sk: _sk, type: _type, ...rest } = item;
  return rest as unknown as HistoryEvent;
}

export class DynamoDbCaseStore implements CaseStore {
  readonly #client: DynamoDBDocumentClient;
  readonly #tableName: string;

  constructor(client: DynamoDBDocumentClient, tableName: string) {
    this.#client = client;
    this.#tableName = tableName;
  }

  async getCase(caseId: string): Promise<CaseRecord | undefined> {
    const out = await this.#client.send(
      new GetCommand({ TableName: this.#tableName, Key: caseKey(caseId), ConsistentRead: true }),
    );
    return out.Item === undefined ? undefined : fromCaseItem(out.Item);
  }

  async getHistory(caseId: string): Promise<HistoryEvent[]> {
    const events: HistoryEvent[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const out = await this.#client.send(
        new QueryCommand({
          TableName: this.#tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: { ':pk': `CASE#${caseId}`, ':prefix': 'EVENT#' },
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of out.Items ?? []) events.push(fromEventItem(item));
      startKey = out.LastEvaluatedKey;
    } while (startKey !== undefined);
    return events;
  }

  async getDelivery(marketplace: string, deliveryId: string): Promise<DeliveryRecord | undefined> {
    const out = await this.#client.send(
      new GetCommand({
        TableName: this.#tableName,
        Key: deliveryKey(marketplace, deliveryId),
        ConsistentRead: true,
      }),
    );
    if (out.Item === undefined) return undefined;
    const { marketplace: m, deliveryId: d, caseId, payloadHash, receivedAt } = out.Item as DeliveryRecord;
    return { marketplace: m, deliveryId: d, caseId, payloadHash, receivedAt };
  }

  async getHeldEvents(caseId: string): Promise<HeldEvents> {
    let version = 0;
    const events: HeldEvent[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const out = await this.#client.send(
        new QueryCommand({
          TableName: this.#tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: { ':pk': `CASE#${caseId}`, ':prefix': 'HELD' },
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of out.Items ?? []) {
        if (item.sk === 'HELD') version = item.version as number;
        else {
          const { caseId: c, seq, marketplace, deliveryId, eventType, receivedAt, parsed } = item as HeldEvent;
          events.push({ caseId: c, seq, marketplace, deliveryId, eventType, receivedAt, parsed });
        }
      }
      startKey = out.LastEvaluatedKey;
    } while (startKey !== undefined);
    return { version, events: events.sort((a, b) => a.seq - b.seq) };
  }

  /**
   * Holds an early event: the case must not exist, the guard must still be at the version
   * read, and the delivery must be new; all or nothing.
   */
  async holdEvent(change: HoldEventChange): Promise<void> {
    const { event, expectedVersion, expiresAt } = change;
    const items: TransactItems = [
      {
        ConditionCheck: { TableName: this.#tableName, Key: caseKey(event.caseId), ConditionExpression: 'attribute_not_exists(pk)' },
      },
      {
        Put: {
          TableName: this.#tableName,
          Item: { ...heldGuardKey(event.caseId), type: 'HELD', caseId: event.caseId, version: expectedVersion + 1, expiresAt },
          ...this.#versionCondition(expectedVersion),
        },
      },
      {
        Put: {
          TableName: this.#tableName,
          Item: { ...heldEventKey(event.caseId, event.seq), type: 'HELD_EVENT', ...event, expiresAt },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
    ];
    const deliveryIndexes = change.deliveries.map((d) => items.push(this.#deliveryPut(d, d.deliveryId)) - 1);
    await this.#transact(items, { caseId: event.caseId, expectedVersion, deliveryIndexes, deliveryId: change.deliveries[0]?.deliveryId });
  }

  async clearOutbox(caseId: string, refundId: string): Promise<void> {
    await this.#client.send(new DeleteCommand({ TableName: this.#tableName, Key: outboxKey(caseId, refundId) }));
  }

  /**
   * Reads the sparse outbox index, shard by shard, for records older than `olderThan`.
   * Cost grows with the number of pending records, not with the table.
   */
  async listPendingOutbox(input: { olderThan: string; limit: number }): Promise<OutboxRecord[]> {
    const found: OutboxRecord[] = [];
    for (let shard = 0; shard < DUE_INDEX_SHARDS && found.length < input.limit; shard++) {
      let startKey: Record<string, unknown> | undefined;
      do {
        const out = await this.#client.send(
          new QueryCommand({
            TableName: this.#tableName,
            IndexName: 'byPendingOutbox',
            KeyConditionExpression: 'outboxShard = :shard AND outboxAt < :before',
            ExpressionAttributeValues: { ':shard': `OUTBOX#${shard}`, ':before': input.olderThan },
            Limit: input.limit - found.length,
            ExclusiveStartKey: startKey,
          }),
        );
        for (const item of out.Items ?? []) {
          const { caseId, refundId, createdAt, message } = item as OutboxRecord;
          found.push({ caseId, refundId, createdAt, message });
        }
        startKey = found.length < input.limit ? out.LastEvaluatedKey : undefined;
      } while (startKey !== undefined);
    }
    return found;
  }

  /**
   * Writes the case, its new history events, the delivery record and the refund outbox
   * record in one transaction.
   * The case write is conditional on the version the caller read; events and deliveries
   * are conditional on not existing. Cancellation reasons are mapped to domain errors.
   */
  async commit(change: CaseCommit): Promise<void> {
    const { next, expectedVersion, events, delivery } = change;
    if (next.version !== expectedVersion + 1) {
      throw new Error(`Case version must advance by one (expected ${expectedVersion + 1}, got ${next.version})`);
    }
    const items: TransactItems = [];
    items.push({
      Put: {
        TableName: this.#tableName,
        Item: toCaseItem(next),
        ...this.#versionCondition(expectedVersion),
      },
    });
    const deliveryIndexes: number[] = [];
    if (delivery !== undefined) {
      for (const id of [delivery.deliveryId, ...(change.deliveryAliases ?? [])]) {
        deliveryIndexes.push(items.push(this.#deliveryPut(delivery, id)) - 1);
      }
    }
    if (change.consumeHeld !== undefined) {
      const { version, seqs } = change.consumeHeld;
      if (version === 0) {
        // Nothing was held when the case was read: nothing may have been held since.
        items.push({ ConditionCheck: { TableName: this.#tableName, Key: heldGuardKey(next.caseId), ConditionExpression: 'attribute_not_exists(pk)' } });
      } else {
        items.push({ Delete: { TableName: this.#tableName, Key: heldGuardKey(next.caseId), ...this.#versionCondition(version) } });
        for (const seq of seqs) items.push({ Delete: { TableName: this.#tableName, Key: heldEventKey(next.caseId, seq) } });
      }
    }
    if (change.outbox !== undefined) items.push(this.#outboxPut(change.outbox));
    if (change.clearOutbox !== undefined) {
      items.push({
        Delete: { TableName: this.#tableName, Key: outboxKey(change.clearOutbox.caseId, change.clearOutbox.refundId) },
      });
    }
    items.push(...events.map((event) => this.#eventPut(event)));
    await this.#transact(items, { caseId: next.caseId, expectedVersion, deliveryIndexes, deliveryId: delivery?.deliveryId });
  }

  /**
   * Applies a CasePatch: one UpdateItem on the case (SET and REMOVE of the given fields,
   * the index attributes recomputed from `before` + changes) with its history events and
   * outbox record, in one transaction conditional on the case's version and deadline.
   */
  async patch(change: CasePatch): Promise<void> {
    const { before, set, remove, events } = change;
    if (set.version !== before.version + 1) {
      throw new Error(`Case version must advance by one (expected ${before.version + 1}, got ${set.version})`);
    }
    const after: IndexedFields = { ...before, ...set };
    if (remove.includes('dueAt')) delete (after as { dueAt?: string }).dueAt;
    const staysDue = inDueIndex(after);
    if (staysDue && FACT_SOURCES.some((field) => field in set)) {
      throw new Error(`A patch that keeps case ${before.caseId} in the due index cannot change ${FACT_SOURCES.join('/')}; commit the whole case`);
    }

    const names: Record<string, string> = { '#version': 'version', '#dueAt': 'dueAt' };
    const values: Record<string, unknown> = { ':expectedVersion': before.version };
    const setClauses: string[] = [];
    for (const [field, value] of Object.entries({ ...set, ...caseIndexAttributes(after) })) {
      if (value === undefined) continue;
      names[`#${field}`] = field;
      values[`:${field}`] = value;
      setClauses.push(`#${field} = :${field}`);
    }
    const removed = [...remove, ...(staysDue ? [] : DUE_INDEX_ATTRIBUTES)];
    for (const field of removed) names[`#${field}`] = field;
    let condition = '#version = :expectedVersion AND ';
    if (before.dueAt === undefined) condition += 'attribute_not_exists(#dueAt)';
    else {
      values[':expectedDueAt'] = before.dueAt;
      condition += '#dueAt = :expectedDueAt';
    }

    const items: TransactItems = [
      {
        Update: {
          TableName: this.#tableName,
          Key: caseKey(before.caseId),
          UpdateExpression: `SET ${setClauses.join(', ')}${removed.length === 0 ? '' : ` REMOVE ${removed.map((f) => `#${f}`).join(', ')}`}`,
          ConditionExpression: condition,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        },
      },
    ];
    if (change.outbox !== undefined) items.push(this.#outboxPut(change.outbox));
    items.push(...events.map((event) => this.#eventPut(event)));
    await this.#transact(items, { caseId: before.caseId, expectedVersion: before.version, deliveryIndexes: [], deliveryId: undefined });
  }

  /** Conditional on a versioned item being at `expected` (0: not existing). */
  #versionCondition(expected: number): Pick<NonNullable<TransactItem['Put']>, 'ConditionExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'> {
    return expected === 0
      ? { ConditionExpression: 'attribute_not_exists(pk)' }
      : { ConditionExpression: '#version = :expected', ExpressionAttributeNames: { '#version': 'version' }, ExpressionAttributeValues: { ':expected': expected } };
  }

  #deliveryPut(delivery: DeliveryRecord, deliveryId: string): TransactItem {
    return {
      Put: {
        TableName: this.#tableName,
        Item: {
          ...deliveryKey(delivery.marketplace, deliveryId),
          type: 'DELIVERY',
          ...delivery,
          deliveryId,
          expiresAt: Math.floor(Date.parse(delivery.receivedAt) / 1000) + DELIVERY_RETENTION_SECONDS,
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    };
  }

  #outboxPut(o: OutboxRecord): TransactItem {
    return {
      Put: {
        TableName: this.#tableName,
        Item: { ...outboxKey(o.caseId, o.refundId), type: 'OUTBOX', ...o, outboxShard: `OUTBOX#${shardOf(o.caseId)}`, outboxAt: o.createdAt },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    };
  }

  #eventPut(event: HistoryEvent): TransactItem {
    return {
      Put: {
        TableName: this.#tableName,
        Item: { pk: `CASE#${event.caseId}`, sk: eventSortKey(event), type: 'EVENT', ...event },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    };
  }

  async #transact(
    items: TransactItems,
    context: { caseId: string; expectedVersion: number; deliveryIndexes: readonly number[]; deliveryId: string | undefined },
  ): Promise<void> {
    try {
      await this.#client.send(new TransactWriteCommand({ TransactItems: items }));
    } catch (error) {
      if (error instanceof TransactionCanceledException || (error as Error).name === 'TransactionCanceledException') {
        const reasons = (error as TransactionCanceledException).CancellationReasons ?? [];
        if (context.deliveryIndexes.some((i) => reasons[i]?.Code === 'ConditionalCheckFailed')) {
          throw new DuplicateDeliveryError(`Delivery ${context.deliveryId} was already processed`, { cause: error });
        }
        const codes = reasons.map((r) => r.Code ?? 'None');
        if (codes.some((c) => c === 'ConditionalCheckFailed' || c === 'TransactionConflict')) {
          throw new ConcurrentModificationError(`Case ${context.caseId} changed since version ${context.expectedVersion} was read`, {
            cause: error,
          });
        }
      }
      throw error;
    }
  }
}
