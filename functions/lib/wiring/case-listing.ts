import { DynamoDbCaseListing } from '../adapters/dynamodb-case-listing.ts';
import type { CaseListing } from '../ports/case-listing.ts';
import { dynamoDbTable } from './dynamodb.ts';

let listing: CaseListing | undefined;

/** A seller's cases from the bySellerDue index; built once per process. */
export function caseListing(): CaseListing {
  if (listing === undefined) {
    const { client, tableName } = dynamoDbTable();
    listing = new DynamoDbCaseListing(client, tableName);
  }
  return listing;
}
