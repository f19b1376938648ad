import { DynamoDbDueCases } from '../adapters/dynamodb-due-cases.ts';
import type { DueCases } from '../ports/due-cases.ts';
import { dynamoDbTable } from './dynamodb.ts';
import { once } from './once.ts';

/** Cases past their deadline, from the table's due index. */
export const dueCases: () => DueCases = once(function buildDueCases() {
  const { client, tableName } = dynamoDbTable();
  return new DynamoDbDueCases(client, tableName);
});
