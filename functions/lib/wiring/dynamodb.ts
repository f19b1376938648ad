import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod/mini';
import { awsSettings, loadConfig, tableSettings } from '../config.ts';
import { traced } from '../tracing.ts';
import { once } from './once.ts';

/**
 * The table and one document client for it, shared by every DynamoDB adapter a function
 * builds (case store, due cases, listing), so a function pays for one client, not one per port.
 *
 * Every module under wiring/ follows the same pattern: nothing runs at import; a builder
 * validates its own settings and builds its client on the first call, which the entry file
 * makes at module load (the cold start), and keeps the result for the life of the process.
 * An entry file therefore bundles, and builds, only the dependencies it names.
 */
export type DynamoDbTable = { readonly client: DynamoDBDocumentClient; readonly tableName: string };

export const dynamoDbTable: () => DynamoDbTable = once(function buildDynamoDbTable() {
  const config = loadConfig(z.object({ ...awsSettings, ...tableSettings }));
  // Captured before the document client wraps it: both share one middleware stack.
  const client = traced(
    new DynamoDBClient({
      region: config.AWS_REGION,
      ...(config.DYNAMODB_ENDPOINT === undefined ? {} : { endpoint: config.DYNAMODB_ENDPOINT }),
    }),
  );
  return {
    client: DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } }),
    tableName: config.TABLE_NAME,
  };
});
