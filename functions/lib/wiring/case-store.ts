import { DynamoDbCaseStore } from '../adapters/dynamodb-case-store.ts';
import type { CaseStore } from '../ports/case-store.ts';
import { dynamoDbTable } from './dynamodb.ts';

let store: CaseStore | undefined;

/** The case store on the table (TABLE_NAME); built once per process. */
export function caseStore(): CaseStore {
  if (store === undefined) {
    const { client, tableName } = dynamoDbTable();
    store = new DynamoDbCaseStore(client, tableName);
  }
  return store;
}
