import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { DUE_INDEX_SHARDS } from '#infra/definitions.ts';
import { awaitsAppealDecision, type CarrierClaim, type CaseRecord, type HistoryEvent } from '../workflow/case.ts';
import { claimWatchOf } from '../workflow/carrier-claim.ts';
import type { OutboxRecord } from '../workflow/decision-step.ts';
import { type CaseAfter, type Notification, notificationsFor, subjectOf } from '../workflow/notifications.ts';
import { ConcurrentModificationError, DuplicateDeliveryError } from '../contract/errors.ts';
import { refusedCursor } from '../contract/page-cursor.ts';
import {
  type CaseCommit,
  type CasePatch,
  type CaseStore,
  type DeliveryRecord,
  type HeldEvent,
  type HeldEvents,
  HISTORY_CURSOR_SCOPE,
  type HistoryPage,
  type HistoryPageRequest,
  type HoldEventChange,
} from '../ports/case-store.ts';
import { type ClaimDeadlinePatch, subjectOfDue } from '../workflow/escalation.ts';
import {
  caseIndexAttributes,
  caseKey,
  casePartitionQuery,
  deliveryKey,
  DUE_INDEX_ATTRIBUTES,
  dueIndexAt,
  ESCALATION_FACT_SOURCES,
  fromCaseItem,
  fromDeliveryItem,
  fromEventItem,
  fromHeldItem,
  fromOutboxItem,
  heldEventKey,
  heldGuardKey,
  historyPositionOf,
  historyStartKey,
  type IndexedFields,
  inDueIndex,
  isHistoryPosition,
  type KeyQuery,
  ITEM_ABSENT,
  outboxKey,
  pendingOutboxQuery,
  toCaseItem,
  toDeliveryItem,
  toEventItem,
  toHeldEventItem,
  toHeldGuardItem,
  toNotificationItem,
  toOutboxItem,
} from './dynamodb/table-schema.ts';

/**
 * The case store on the single table; what its items look like (keys, index attributes,
 * mappings) is dynamodb/table-schema.ts.
 */

type TransactItems = NonNullable<TransactWriteCommandInput['TransactItems']>;
type TransactItem = TransactItems[number];

export class DynamoDbCaseStore implements CaseStore {
  readonly #client: DynamoDBDocumentClient;
  readonly #tableName: string;

  constructor(client: DynamoDBDocumentClient, tableName: string) {
    this.#client = client;
    this.#tableName = tableName;
  }

  async getCase(caseId: string): Promise<CaseRecord | undefined> {
    const out = await this.#client.send(new GetCommand({ TableName: this.#tableName, Key: caseKey(caseId), ConsistentRead: true }));
    return out.Item === undefined ? undefined : fromCaseItem(out.Item);
  }

  /**
   * The whole history, oldest first, however long: for tests and tools that inspect a case. Not
   * on the CaseStore port: a function reads history a bounded page at a time (getHistoryPage).
   */
  async getHistory(caseId: string): Promise<HistoryEvent[]> {
    const events: HistoryEvent[] = [];
    for await (const item of this.#queryAll(casePartitionQuery(caseId, 'history'))) events.push(fromEventItem(item));
    return events;
  }

  async getHistoryPage(caseId: string, request: HistoryPageRequest): Promise<HistoryPage> {
    if (request.before !== undefined && !isHistoryPosition(request.before)) {
      throw refusedCursor(HISTORY_CURSOR_SCOPE);
    }
    const newestFirst: { event: HistoryEvent; position: string }[] = [];
    let bytes = 0;
    const items = this.#queryAll(casePartitionQuery(caseId, 'history'), {
      ScanIndexForward: false,
      // One more than the page holds: seeing it is how the page knows there is more.
      Limit: request.limit + 1,
      ...(request.before === undefined ? {} : { ExclusiveStartKey: historyStartKey(caseId, request.before) }),
    });
    for await (const item of items) {
      const event = fromEventItem(item);
      const size = Buffer.byteLength(JSON.stringify(event));
      const last = newestFirst.at(-1);
      if (last !== undefined && (newestFirst.length >= request.limit || bytes + size > request.maxBytes)) {
        return { events: newestFirst.map((e) => e.event).reverse(), older: last.position };
      }
      newestFirst.push({ event, position: historyPositionOf(item) });
      bytes += size;
    }
    return { events: newestFirst.map((e) => e.event).reverse() };
  }

  /** Every item of one case-partition query, page after page (a Query reads at most 1 MB), consistently. */
  async *#queryAll(
    query: KeyQuery,
    options: { ScanIndexForward?: boolean; Limit?: number; ExclusiveStartKey?: Record<string, unknown> } = {},
  ): AsyncGenerator<Record<string, unknown>> {
    let startKey = options.ExclusiveStartKey;
    do {
      const out = await this.#client.send(
        new QueryCommand({ TableName: this.#tableName, ...query, ...options, ConsistentRead: true, ExclusiveStartKey: startKey }),
      );
      yield* out.Items ?? [];
      startKey = out.LastEvaluatedKey;
    } while (startKey !== undefined);
  }

  async getDelivery(marketplace: string, deliveryId: string): Promise<DeliveryRecord | undefined> {
    const out = await this.#client.send(
      new GetCommand({
        TableName: this.#tableName,
        Key: deliveryKey(marketplace, deliveryId),
        ConsistentRead: true,
      }),
    );
    return out.Item === undefined ? undefined : fromDeliveryItem(out.Item);
  }

  async getHeldEvents(caseId: string): Promise<HeldEvents> {
    let version = 0;
    const events: HeldEvent[] = [];
    for await (const item of this.#queryAll(casePartitionQuery(caseId, 'held'))) {
      const held = fromHeldItem(item);
      if ('guardVersion' in held) version = held.guardVersion;
      else events.push(held.event);
    }
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
        ConditionCheck: { TableName: this.#tableName, Key: caseKey(event.caseId), ConditionExpression: ITEM_ABSENT },
      },
      {
        Put: {
          TableName: this.#tableName,
          Item: toHeldGuardItem(event.caseId, expectedVersion + 1, expiresAt),
          ...this.#versionCondition(expectedVersion),
        },
      },
      {
        Put: {
          TableName: this.#tableName,
          Item: toHeldEventItem(event, expiresAt),
          ConditionExpression: ITEM_ABSENT,
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
            ...pendingOutboxQuery(shard, input.olderThan),
            Limit: input.limit - found.length,
            ExclusiveStartKey: startKey,
          }),
        );
        for (const item of out.Items ?? []) found.push(fromOutboxItem(item));
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
        items.push({ ConditionCheck: { TableName: this.#tableName, Key: heldGuardKey(next.caseId), ConditionExpression: ITEM_ABSENT } });
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
    // What the marketplace and the buyer are told of this change, in the same transaction (#21).
    items.push(...notificationsFor(subjectOf(next), next, events).map((n) => this.#notificationPut(n)));
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
    // A carrier claim to file keeps the case in the index after its own deadline ends (#19);
    // a patch never changes the claim, so the entry's claim facts stay true. The claim comes
    // from the entry's facts (the sweep) or from the case itself (a writer that read it).
    const claim = before.facts?.claim ?? claimWatchOf((before as { carrierClaim?: CarrierClaim }).carrierClaim);
    // Likewise a refunded case's pending appeal (#19), which no patch decides.
    const appealPending = before.facts?.appealPending ?? awaitsAppealDecision(before as Pick<CaseRecord, 'appealRequest' | 'appeal'>);
    const after: IndexedFields = { ...before, ...set, carrierClaim: claim, appealPending };
    if (remove.includes('dueAt')) delete (after as { dueAt?: string }).dueAt;
    const staysDue = dueIndexAt(after) !== undefined;
    // Facts a later step plans from must not go stale. Watched by the claim alone, the case is
    // only ever stepped by a claim step, which reads and rewrites the whole case.
    if (inDueIndex(after) && ESCALATION_FACT_SOURCES.some((field) => field in set)) {
      throw new Error(
        `A patch that keeps case ${before.caseId} in the due index cannot change ${ESCALATION_FACT_SOURCES.join('/')}; commit the whole case`,
      );
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
    // Listed for its claim alone, the case's entry carries the ledger the claim step rewrites
    // (claimStep): a patch that changes the ledger keeps it, and the claim lines, in step.
    const claimStep = before.facts?.claimStep;
    if (staysDue && !inDueIndex(after) && set.ledger !== undefined && claimStep !== undefined) {
      Object.assign(names, { '#facts': DUE_INDEX_ATTRIBUTES[2], '#claimStep': 'claimStep', '#carrierClaims': 'carrierClaims' });
      values[':claimStep'] = { ...claimStep, ledger: set.ledger };
      values[':carrierClaims'] = set.ledger.filter((line) => line.kind === 'CARRIER_CLAIM');
      setClauses.push('#facts.#claimStep = :claimStep', '#facts.#carrierClaims = :carrierClaims');
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
    const caseAfter = { ...before, ...set, ...(remove.includes('dueAt') ? { dueAt: undefined } : {}) } as CaseAfter;
    items.push(...notificationsFor(change.subject, caseAfter, events).map((n) => this.#notificationPut(n)));
    await this.#transact(items, { caseId: before.caseId, expectedVersion: before.version, deliveryIndexes: [], deliveryId: undefined });
  }

  async patchClaim(change: ClaimDeadlinePatch): Promise<void> {
    const { before, at, events } = change;
    const [shardAttribute, deadlineAttribute, factsAttribute] = DUE_INDEX_ATTRIBUTES;
    const names: Record<string, string> = {
      '#version': 'version',
      '#updatedAt': 'updatedAt',
      '#claim': 'carrierClaim',
      '#state': 'state',
    };
    const values: Record<string, unknown> = {
      ':expectedVersion': before.version,
      ':version': before.version + 1,
      ':at': at,
      ':toFile': 'TO_FILE',
    };
    const set = ['#version = :version', '#updatedAt = :at'];
    const remove: string[] = [];
    if (change.kind === 'WARNED') {
      names['#warnedAt'] = 'warnedAt';
      set.push('#claim.#warnedAt = :at');
    } else {
      Object.assign(names, { '#expiredAt': 'expiredAt', '#ledger': 'ledger' });
      Object.assign(values, { ':expired': 'EXPIRED', ':ledger': change.ledger ?? [] });
      set.push('#claim.#state = :expired', '#claim.#expiredAt = :at', '#ledger = :ledger');
    }
    // The shard key stays as it is (it follows from the case id); the deadline and facts move.
    Object.assign(names, { '#deadlineAt': deadlineAttribute, '#facts': factsAttribute });
    if (change.stays === undefined) {
      names['#shard'] = shardAttribute;
      remove.push('#shard', '#deadlineAt', '#facts');
    } else {
      Object.assign(values, { ':deadlineAt': change.stays.dueIndexAt, ':facts': change.stays.facts });
      set.push('#deadlineAt = :deadlineAt', '#facts = :facts');
    }
    const items: TransactItems = [
      {
        Update: {
          TableName: this.#tableName,
          Key: caseKey(before.caseId),
          UpdateExpression: `SET ${set.join(', ')}${remove.length === 0 ? '' : ` REMOVE ${remove.join(', ')}`}`,
          ConditionExpression: '#version = :expectedVersion AND #claim.#state = :toFile',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        },
      },
      ...events.map((event) => this.#eventPut(event)),
    ];
    const after = {
      status: before.status,
      version: before.version + 1,
      escalationLevel: before.escalationLevel,
      ...(change.ledger === undefined ? {} : { ledger: change.ledger }),
    };
    items.push(...notificationsFor(subjectOfDue(before), after, events).map((n) => this.#notificationPut(n)));
    await this.#transact(items, { caseId: before.caseId, expectedVersion: before.version, deliveryIndexes: [], deliveryId: undefined });
  }

  /** Conditional on a versioned item being at `expected` (0: not existing). */
  #versionCondition(
    expected: number,
  ): Pick<NonNullable<TransactItem['Put']>, 'ConditionExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'> {
    return expected === 0
      ? { ConditionExpression: ITEM_ABSENT }
      : {
          ConditionExpression: '#version = :expected',
          ExpressionAttributeNames: { '#version': 'version' },
          ExpressionAttributeValues: { ':expected': expected },
        };
  }

  #deliveryPut(delivery: DeliveryRecord, deliveryId: string): TransactItem {
    return { Put: { TableName: this.#tableName, Item: toDeliveryItem(delivery, deliveryId), ConditionExpression: ITEM_ABSENT } };
  }

  #outboxPut(o: OutboxRecord): TransactItem {
    return {
      Put: {
        TableName: this.#tableName,
        Item: toOutboxItem(o),
        ConditionExpression: ITEM_ABSENT,
      },
    };
  }

  #notificationPut(n: Notification): TransactItem {
    return { Put: { TableName: this.#tableName, Item: toNotificationItem(n), ConditionExpression: ITEM_ABSENT } };
  }

  #eventPut(event: HistoryEvent): TransactItem {
    return {
      Put: {
        TableName: this.#tableName,
        Item: toEventItem(event),
        ConditionExpression: ITEM_ABSENT,
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
