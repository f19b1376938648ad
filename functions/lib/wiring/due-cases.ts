import { DynamoDbDueCases } from '../adapters/dynamodb-due-cases.ts';
import type { DueCases } from '../ports/due-cases.ts';
import { dynamoDbTable } from './dynamodb.ts';

let dueCasesAdapter: DueCases | undefined;

/** Cases past their deadline, from the table's due index; built once per process. */
export function dueCases(): DueCases {
  if (dueCasesAdapter === undefined) {
    const { client, tableName } = dynamoDbTable();
    dueCasesAdapter = new DynamoDbDueCases(client, tableName);
  }
  return dueCasesAdapter;
}
