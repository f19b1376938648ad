import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { awsSettings, loadConfig, tableSettings } from '../config.ts';

/**
 * The table and one document client for it, shared by every DynamoDB adapter a function
 * builds (case store, due cases, listing), so a function pays for one client, not one per port.
 *
 * Every module under wiring/ follows the same pattern: nothing runs at import, a builder
 * validates its own settings and builds its client on first call (the entry file calls it at
 * module load, i.e. at cold start), and keeps the result for the life of the process. An
 * entry file therefore pulls in, and builds, only the dependencies it names.
 */
export type DynamoDbTable = { readonly client: DynamoDBDocumentClient; readonly tableName: string };

let table: DynamoDbTable | undefined;

export function dynamoDbTable(): DynamoDbTable {
  if (table === undefined) {
    const config = loadConfig(z.object({ ...awsSettings, ...tableSettings }));
    const client = new DynamoDBClient({
      region: config.AWS_REGION,
      ...(config.DYNAMODB_ENDPOINT === undefined ? {} : { endpoint: config.DYNAMODB_ENDPOINT }),
    });
    table = {
      client: DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } }),
      tableName: config.TABLE_NAME,
    };
  }
  return table;
}
