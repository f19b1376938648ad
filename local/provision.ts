import {
  type AttributeDefinition,
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  type DynamoDBClient,
  type GlobalSecondaryIndex,
  type Projection,
  ResourceInUseException,
  type TableDescription,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  QueueNameExists,
  SetQueueAttributesCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { setTimeout as sleep } from 'node:timers/promises';
import { caseTable, type IndexDefinition, type QueueDefinition, refundQueue, type TableDefinition } from '#infra/definitions.ts';

/**
 * Creates the case table and the refund queues on the local engines from the same plain
 * definitions the CDK stacks use (infra/definitions.ts), so a laptop never drifts from AWS.
 * Every function here is idempotent: start-up runs it against persisted data every time.
 */

// DynamoDB Local backfills a new index on a busy 2-core machine slowly; a minute and a half is still finite.
const ACTIVE_TIMEOUT_MS = 90_000;

export class ProvisioningError extends Error {
  override readonly name = 'ProvisioningError';
}

function toProjection(projection: IndexDefinition['projection']): Projection {
  if (projection === 'ALL' || projection === 'KEYS_ONLY') return { ProjectionType: projection };
  return { ProjectionType: 'INCLUDE', NonKeyAttributes: [...projection] };
}

/** `INCLUDE(a,b,c)` (attributes sorted), `ALL` or `KEYS_ONLY`: for comparing a table with its definition. */
function describeProjection(projection: Projection | undefined): string {
  const type = projection?.ProjectionType ?? 'unknown';
  return type === 'INCLUDE' ? `INCLUDE(${[...(projection?.NonKeyAttributes ?? [])].sort().join(',')})` : type;
}

function toIndex(index: IndexDefinition): GlobalSecondaryIndex {
  return {
    IndexName: index.indexName,
    KeySchema: [
      { AttributeName: index.partitionKey.name, KeyType: 'HASH' },
      { AttributeName: index.sortKey.name, KeyType: 'RANGE' },
    ],
    Projection: toProjection(index.projection),
  };
}

function attributeDefinitions(definition: TableDefinition, indexes: readonly IndexDefinition[]): AttributeDefinition[] {
  const types = new Map<string, 'S' | 'N'>();
  for (const key of [definition.partitionKey, definition.sortKey, ...indexes.flatMap((i) => [i.partitionKey, i.sortKey])]) {
    const known = types.get(key.name);
    if (known !== undefined && known !== key.type) {
      throw new ProvisioningError(`Attribute ${key.name} is declared both as ${known} and ${key.type}`);
    }
    types.set(key.name, key.type);
  }
  return [...types].map(([AttributeName, AttributeType]) => ({ AttributeName, AttributeType }));
}

/** Everything CreateTable needs, derived from a definition; exported for tests and tooling. */
export function createTableInput(tableName: string, definition: TableDefinition = caseTable) {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST' as const,
    AttributeDefinitions: attributeDefinitions(definition, definition.globalSecondaryIndexes),
    KeySchema: [
      { AttributeName: definition.partitionKey.name, KeyType: 'HASH' as const },
      { AttributeName: definition.sortKey.name, KeyType: 'RANGE' as const },
    ],
    GlobalSecondaryIndexes: definition.globalSecondaryIndexes.map(toIndex),
  };
}

function isFullyActive(table: TableDescription | undefined): boolean {
  return table?.TableStatus === 'ACTIVE' && (table.GlobalSecondaryIndexes ?? []).every((i) => i.IndexStatus === 'ACTIVE');
}

async function waitUntilActive(client: DynamoDBClient, tableName: string): Promise<TableDescription> {
  const deadline = Date.now() + ACTIVE_TIMEOUT_MS;
  let pause = 50;
  for (;;) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    if (Table !== undefined && isFullyActive(Table)) return Table;
    if (Date.now() > deadline) throw new ProvisioningError(`Table ${tableName} did not become ACTIVE within ${ACTIVE_TIMEOUT_MS / 1000} s`);
    await sleep(pause);
    pause = Math.min(pause * 2, 1_000);
  }
}

/**
 * A table persisted by an older version of the definitions may lack an index added since.
 * Add missing indexes (DynamoDB allows one per UpdateTable); refuse an index whose keys
 * changed, because that cannot be fixed in place and silently wrong queries would follow.
 */
async function reconcileIndexes(
  client: DynamoDBClient,
  tableName: string,
  table: TableDescription,
  definition: TableDefinition,
): Promise<void> {
  const existing = new Map((table.GlobalSecondaryIndexes ?? []).map((i) => [i.IndexName, i]));
  for (const index of definition.globalSecondaryIndexes) {
    const current = existing.get(index.indexName);
    if (current === undefined) {
      await client.send(
        new UpdateTableCommand({
          TableName: tableName,
          AttributeDefinitions: attributeDefinitions(definition, [index]),
          GlobalSecondaryIndexUpdates: [{ Create: toIndex(index) }],
        }),
      );
      await waitUntilActive(client, tableName);
      continue;
    }
    const keys = (current.KeySchema ?? []).map((k) => `${k.AttributeName}:${k.KeyType}`).join(',');
    const wanted = `${index.partitionKey.name}:HASH,${index.sortKey.name}:RANGE`;
    const has = describeProjection(current.Projection);
    const wants = describeProjection(toProjection(index.projection));
    if (keys !== wanted || has !== wants) {
      // Items written by the older version also lack attributes the new index projects.
      throw new ProvisioningError(
        `Table ${tableName} has index ${index.indexName} with keys ${keys} / projection ${has}, but infra/definitions.ts wants ${wanted} / ${wants}; the persisted local data is from an older version: delete it (DATA_DIR) to start afresh`,
      );
    }
  }
}

async function ensureTimeToLive(client: DynamoDBClient, tableName: string, attribute: string): Promise<void> {
  const { TimeToLiveDescription } = await client.send(new DescribeTimeToLiveCommand({ TableName: tableName }));
  const status = TimeToLiveDescription?.TimeToLiveStatus;
  if (status === 'ENABLED' || status === 'ENABLING') return;
  // DynamoDB Local records TTL but never deletes expired items; set it anyway for parity.
  await client.send(
    new UpdateTimeToLiveCommand({ TableName: tableName, TimeToLiveSpecification: { AttributeName: attribute, Enabled: true } }),
  );
}

/**
 * Creates the case table (PAY_PER_REQUEST, keys, every GSI with its projection, TTL) unless
 * it exists, adds indexes a persisted table lacks, and waits until table and indexes are ACTIVE.
 */
export async function provisionTable(client: DynamoDBClient, tableName: string, definition: TableDefinition = caseTable): Promise<void> {
  try {
    await client.send(new CreateTableCommand(createTableInput(tableName, definition)));
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
  }
  const table = await waitUntilActive(client, tableName);
  await reconcileIndexes(client, tableName, table, definition);
  await ensureTimeToLive(client, tableName, definition.timeToLiveAttribute);
}

export type ProvisionedQueues = {
  refundQueueUrl: string;
  refundQueueArn: string;
  refundDlqUrl: string;
  refundDlqArn: string;
};

/** Queue attributes as SQS spells them, minus the redrive policy (which needs the DLQ's ARN). */
export function queueAttributes(definition: QueueDefinition): Record<string, string> {
  return {
    ...(definition.fifo ? { FifoQueue: 'true' } : {}),
    VisibilityTimeout: String(definition.visibilityTimeoutSeconds),
    MessageRetentionPeriod: String(definition.retentionSeconds),
    ReceiveMessageWaitTimeSeconds: String(definition.receiveWaitTimeSeconds),
  };
}

/**
 * SQS names this error QueueNameExists (JSON protocol) or QueueAlreadyExists (query
 * protocol); fauxqs sends 'AWS.SimpleQueueService.QueueNameExists', which the SDK does not
 * map to its QueueNameExists class. Match on the name so every spelling counts.
 */
function isQueueExistsError(error: unknown): boolean {
  if (error instanceof QueueNameExists) return true;
  const name = (error as { name?: unknown } | undefined)?.name;
  return typeof name === 'string' && /QueueNameExists|QueueAlreadyExists/.test(name);
}

/**
 * Creates a queue, or brings an existing one's mutable attributes in line with the
 * definition (CreateQueue refuses an existing name with different attributes).
 */
async function ensureQueue(client: SQSClient, name: string, attributes: Record<string, string>): Promise<{ url: string; arn: string }> {
  let url: string | undefined;
  try {
    ({ QueueUrl: url } = await client.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes })));
  } catch (error) {
    if (!isQueueExistsError(error)) throw error;
    ({ QueueUrl: url } = await client.send(new GetQueueUrlCommand({ QueueName: name })));
    if (url === undefined) throw new ProvisioningError(`Queue ${name} exists but has no URL`);
    // FifoQueue cannot be changed after creation, and the name already fixes it.
    const { FifoQueue: _fifo, ...mutable } = attributes;
    await client.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: mutable }));
  }
  if (url === undefined) throw new ProvisioningError(`CreateQueue returned no URL for ${name}`);
  const { Attributes } = await client.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }));
  const arn = Attributes?.QueueArn;
  if (arn === undefined) throw new ProvisioningError(`Queue ${name} reported no QueueArn`);
  return { url, arn };
}

/** A queue and its dead-letter queue, as provisioned. */
export type ProvisionedQueue = { url: string; arn: string; dlqUrl: string; dlqArn: string };

/**
 * Creates a queue's dead-letter queue, then the queue whose RedrivePolicy points at it. Names
 * are `${prefix}${definition.name}`, so tests can run side by side on one engine.
 */
export async function provisionQueue(client: SQSClient, prefix: string, definition: QueueDefinition): Promise<ProvisionedQueue> {
  const deadLetter = definition.deadLetter;
  if (deadLetter === undefined) throw new ProvisioningError(`Queue ${definition.name} has no dead-letter queue defined`);
  const dlq = await ensureQueue(client, `${prefix}${deadLetter.queue.name}`, queueAttributes(deadLetter.queue));
  const main = await ensureQueue(client, `${prefix}${definition.name}`, {
    ...queueAttributes(definition),
    RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount: deadLetter.maxReceiveCount }),
  });
  return { url: main.url, arn: main.arn, dlqUrl: dlq.url, dlqArn: dlq.arn };
}

/** The refund queue and its dead-letter queue (or another definition's, e.g. in tests). */
export async function provisionQueues(
  client: SQSClient,
  prefix: string,
  definition: QueueDefinition = refundQueue,
): Promise<ProvisionedQueues> {
  const q = await provisionQueue(client, prefix, definition);
  return { refundQueueUrl: q.url, refundQueueArn: q.arn, refundDlqUrl: q.dlqUrl, refundDlqArn: q.dlqArn };
}
