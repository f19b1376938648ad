import { DynamoDbCaseListing } from '../adapters/dynamodb-case-listing.ts';
import type { CaseListing } from '../ports/case-listing.ts';
import { dynamoDbTable } from './dynamodb.ts';
import { once } from './once.ts';

/** A seller's cases from the bySellerDue index. */
export const caseListing: () => CaseListing = once(function buildCaseListing() {
  const { client, tableName } = dynamoDbTable();
  return new DynamoDbCaseListing(client, tableName);
});
