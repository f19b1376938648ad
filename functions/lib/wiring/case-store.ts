import { DynamoDbCaseStore } from '../adapters/dynamodb-case-store.ts';
import type { CaseStore } from '../ports/case-store.ts';
import { dynamoDbTable } from './dynamodb.ts';
import { once } from './once.ts';

/** The case store on the table (TABLE_NAME). */
export const caseStore: () => CaseStore = once(function buildCaseStore() {
  const { client, tableName } = dynamoDbTable();
  return new DynamoDbCaseStore(client, tableName);
});
