import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
  DeleteCommand,
} from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DUE_INDEX_SHARDS } from '#infra/definitions.ts';
import { ConcurrentModificationError } from '../contract/errors.ts';
import type {
  NotificationAttempt,
  NotificationOutbox,
  NotificationState,
  StoredNotification,
  Subscription,
  UnqueuedNotification,
} from '../ports/notifications.ts';
import {
  casePartitionQuery,
  fromNotificationItem,
  notificationKey,
  subscriptionKey,
  toNotificationAttemptItem,
  toNotificationItem,
  UNQUEUED_NOTIFICATION_ATTRIBUTES,
  unqueuedNotificationOf,
  unqueuedNotificationsQuery,
  ITEM_ABSENT,
} from './dynamodb/table-schema.ts';

/** The notification outbox on the single table (items: dynamodb/table-schema.ts). */
export class DynamoDbNotificationOutbox implements NotificationOutbox {
  readonly #client: DynamoDBDocumentClient;
  readonly #tableName: string;

  constructor(client: DynamoDBDocumentClient, tableName: string) {
    this.#client = client;
    this.#tableName = tableName;
  }

  /** Reads the sparse unqueued index shard by shard; cost follows the backlog, not the table. */
  async listUnqueued(limit: number) {
    const found: UnqueuedNotification[] = [];
    for (let shard = 0; shard < DUE_INDEX_SHARDS && found.length < limit; shard++) {
      let startKey: Record<string, unknown> | undefined;
      do {
        const out = await this.#client.send(
          new QueryCommand({
            TableName: this.#tableName,
            ...unqueuedNotificationsQuery(shard),
            Limit: limit - found.length,
            ExclusiveStartKey: startKey,
          }),
        );
        for (const item of out.Items ?? []) {
          const ref = unqueuedNotificationOf(item);
          if (ref !== undefined) found.push(ref);
        }
        startKey = found.length < limit ? out.LastEvaluatedKey : undefined;
      } while (startKey !== undefined);
    }
    return found;
  }

  async markQueued(n: { caseId: string; caseVersion: number; seq: number }): Promise<void> {
    await this.#client
      .send(
        new UpdateCommand({
          TableName: this.#tableName,
          Key: notificationKey(n.caseId, n.caseVersion, n.seq),
          UpdateExpression: `REMOVE ${UNQUEUED_NOTIFICATION_ATTRIBUTES.map((_, i) => `#u${i}`).join(', ')}`,
          ConditionExpression: 'attribute_exists(eventId)',
          ExpressionAttributeNames: Object.fromEntries(UNQUEUED_NOTIFICATION_ATTRIBUTES.map((name, i) => [`#u${i}`, name])),
        }),
      )
      .catch((error: unknown) => {
        if (error instanceof ConditionalCheckFailedException || (error as Error).name === 'ConditionalCheckFailedException') return;
        throw error;
      });
  }

  async forCase(caseId: string): Promise<StoredNotification[]> {
    const found: StoredNotification[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const out = await this.#client.send(
        new QueryCommand({
          TableName: this.#tableName,
          ...casePartitionQuery(caseId, 'notifications'),
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of out.Items ?? []) found.push(fromNotificationItem(item));
      startKey = out.LastEvaluatedKey;
    } while (startKey !== undefined);
    return found;
  }

  async recordAttempt(attempt: NotificationAttempt): Promise<void> {
    const n = attempt.notification;
    const update = {
      Update: {
        TableName: this.#tableName,
        Key: notificationKey(n.caseId, n.caseVersion, n.seq),
        UpdateExpression: 'SET #state = :state, attempts = :next',
        ConditionExpression: 'attempts = :expected AND #state = :pending',
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: {
          ':state': attempt.state,
          ':next': attempt.expectedAttempts + 1,
          ':expected': attempt.expectedAttempts,
          ':pending': 'PENDING' satisfies NotificationState,
        },
      },
    };
    const items = [
      update,
      ...(attempt.event === undefined
        ? []
        : [
            {
              Put: {
                TableName: this.#tableName,
                Item: toNotificationAttemptItem(attempt.event, n, attempt.expectedAttempts + 1),
                ConditionExpression: ITEM_ABSENT,
              },
            },
          ]),
    ];
    try {
      await this.#client.send(new TransactWriteCommand({ TransactItems: items }));
    } catch (error) {
      if (error instanceof TransactionCanceledException || (error as Error).name === 'TransactionCanceledException') {
        throw new ConcurrentModificationError(`Notification ${n.eventId} moved on since attempt ${attempt.expectedAttempts} was read`, {
          cause: error,
        });
      }
      throw error;
    }
  }

  async replay(n: { caseId: string; caseVersion: number; seq: number }, expectedState: NotificationState): Promise<void> {
    const key = notificationKey(n.caseId, n.caseVersion, n.seq);
    const current = (await this.#client.send(new GetCommand({ TableName: this.#tableName, Key: key, ConsistentRead: true }))).Item;
    if (current === undefined) throw new ConcurrentModificationError(`No notification at ${n.caseId} v${n.caseVersion}#${n.seq}`);
    // Back into the unqueued index with its original position: the relay hands it over again.
    const indexed = toNotificationItem(fromNotificationItem(current).notification);
    const [shardName, atName] = UNQUEUED_NOTIFICATION_ATTRIBUTES;
    try {
      await this.#client.send(
        new UpdateCommand({
          TableName: this.#tableName,
          Key: key,
          UpdateExpression: 'SET #state = :pending, #shard = :shard, #at = :at ADD generation :one',
          ConditionExpression: '#state = :expected',
          ExpressionAttributeNames: { '#state': 'state', '#shard': shardName, '#at': atName },
          ExpressionAttributeValues: {
            ':pending': 'PENDING',
            ':expected': expectedState,
            ':shard': indexed[shardName],
            ':at': indexed[atName],
            ':one': 1,
          },
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException || (error as Error).name === 'ConditionalCheckFailedException') {
        throw new ConcurrentModificationError(`Notification ${n.caseId} v${n.caseVersion}#${n.seq} is no longer ${expectedState}`, {
          cause: error,
        });
      }
      throw error;
    }
  }

  async subscription(marketplace: string): Promise<Subscription> {
    const item = (
      await this.#client.send(new GetCommand({ TableName: this.#tableName, Key: subscriptionKey(marketplace), ConsistentRead: true }))
    ).Item;
    if (item === undefined) return { state: 'ACTIVE' };
    return { state: 'GONE', since: item.since as string, eventId: item.eventId as string };
  }

  async unsubscribe(marketplace: string, at: string, eventId: string): Promise<void> {
    await this.#client
      .send(
        new PutCommand({
          TableName: this.#tableName,
          Item: { ...subscriptionKey(marketplace), type: 'SUBSCRIPTION', marketplace, state: 'GONE', since: at, eventId },
          ConditionExpression: ITEM_ABSENT,
        }),
      )
      .catch((error: unknown) => {
        // Already unsubscribed: the first 410 is the one on record.
        if (error instanceof ConditionalCheckFailedException || (error as Error).name === 'ConditionalCheckFailedException') return;
        throw error;
      });
  }

  async resubscribe(marketplace: string): Promise<void> {
    await this.#client.send(new DeleteCommand({ TableName: this.#tableName, Key: subscriptionKey(marketplace) }));
  }
}
