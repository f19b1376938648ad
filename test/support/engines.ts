import { randomBytes } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { inject, type ProvidedContext } from 'vitest';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '#local/engines.ts';
import { type ProvisionedQueues, provisionQueues, provisionTable } from '#local/provision.ts';

/**
 * Real SDK clients pointed at the engines test/global-setup.ts started, and helpers that
 * give each test its own table or queues on them, so test files never see each other's data.
 */

/** A test that needs the engines ran where nobody started them (the `unit` project). */
export class EnginesNotStartedError extends Error {
  override readonly name = 'EnginesNotStartedError';
}

/**
 * inject() answers undefined when no global setup provided the key. Passed on as an endpoint,
 * undefined would point the SDK at real AWS, and a test expecting a rejection could pass
 * without ever reaching an engine; so it fails here, at once, saying where the file belongs.
 */
export function engineContext<K extends keyof ProvidedContext>(key: K): ProvidedContext[K] {
  const value: ProvidedContext[K] | undefined = inject(key);
  if (value === undefined) {
    throw new EnginesNotStartedError(
      `inject('${key}') is undefined: this test needs DynamoDB Local and fauxqs, which test/global-setup.ts starts for the integration project only. Move the file to test/integration/.`,
    );
  }
  return value;
}

export function dynamodbEndpoint(): string {
  return engineContext('dynamodbEndpoint');
}

export function sqsEndpoint(): string {
  return engineContext('sqsEndpoint');
}

let dynamo: DynamoDBClient | undefined;
let documents: DynamoDBDocumentClient | undefined;
let sqs: SQSClient | undefined;

export function dynamoClient(): DynamoDBClient {
  dynamo ??= new DynamoDBClient({ endpoint: dynamodbEndpoint(), region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  return dynamo;
}

/** Same marshalling options as the functions' own document client (functions/lib/wiring/dynamodb.ts). */
export function documentClient(): DynamoDBDocumentClient {
  documents ??= DynamoDBDocumentClient.from(dynamoClient(), { marshallOptions: { removeUndefinedValues: true } });
  return documents;
}

export function sqsClient(): SQSClient {
  sqs ??= new SQSClient({ endpoint: sqsEndpoint(), region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  return sqs;
}

/** A short random suffix; queue names allow letters, digits, '-' and '_' only. */
export function uniqueSuffix(): string {
  return randomBytes(6).toString('hex');
}

/** A fresh case table, shaped by infra/definitions.ts; returns its name. */
export async function createTestTable(): Promise<string> {
  const tableName = `test-cases-${uniqueSuffix()}`;
  await provisionTable(dynamoClient(), tableName);
  return tableName;
}

/** Fresh refund queue and dead-letter queue, shaped by infra/definitions.ts. */
export async function createTestQueues(): Promise<ProvisionedQueues & { prefix: string }> {
  const prefix = `test-${uniqueSuffix()}-`;
  return { prefix, ...(await provisionQueues(sqsClient(), prefix)) };
}

/** Every item in a test table: a refused request must leave this number unchanged. */
export async function countItems(tableName: string): Promise<number> {
  let count = 0;
  let startKey: Record<string, unknown> | undefined;
  do {
    const out = await documentClient().send(new ScanCommand({ TableName: tableName, Select: 'COUNT', ExclusiveStartKey: startKey }));
    count += out.Count ?? 0;
    startKey = out.LastEvaluatedKey;
  } while (startKey !== undefined);
  return count;
}
