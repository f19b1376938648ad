import type { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { DynamoDbCaseListing } from '#lib/adapters/dynamodb-case-listing.ts';
import { systemClock } from '#lib/ports/clock.ts';
import { PageCursors } from '#lib/contract/page-cursor.ts';
import { listCases } from '#lib/use-cases/list-cases.ts';

/**
 * listCases → DynamoDbCaseListing, down to the key condition it would send: `dueBefore` is
 * compared as an instant, so one past the last deadline a sort key can hold still selects
 * every case that has a deadline. (The listing itself, on DynamoDB Local, is tested in
 * test/integration/seller-api-pagination.test.ts.)
 */

const CASE_ID = `cs_${'a'.repeat(24)}`;

/** Answers every Query with an empty page and keeps its input. */
function recordingClient(sent: QueryCommand['input'][]): DynamoDBDocumentClient {
  return {
    send: async function recordQuery(command: QueryCommand) {
      sent.push(command.input);
      return { Items: [], ScannedCount: 0 };
    },
  } as unknown as DynamoDBDocumentClient;
}

async function keyBoundFor(dueBefore: string): Promise<string> {
  const sent: QueryCommand['input'][] = [];
  const deps = {
    listing: new DynamoDbCaseListing(recordingClient(sent), 'table'),
    cursors: new PageCursors('k'.repeat(32)),
    clock: systemClock,
  };
  await listCases(deps, { principal: { userId: 'u1', sellerId: 'S1', role: 'agent' }, dueBefore, limit: 10 });
  expect(sent).toHaveLength(1);
  expect(sent[0]?.KeyConditionExpression).toBe('gsi1pk = :pk AND gsi1sk < :before');
  return String(sent[0]?.ExpressionAttributeValues?.[':before']);
}

describe('listCases dueBefore', () => {
  it.each([
    // 10000-01-01T00:00:59Z and 10000-01-01T00:59:00Z: their ISO forms, +010000-…, sort as
    // text below every key.
    '9999-12-31T23:59:59-00:01',
    '9999-12-31T01:00:00-23:59',
  ])('%s, after the last deadline a key can hold, selects every case with a deadline and none without', async (dueBefore) => {
    const bound = await keyBoundFor(dueBefore);
    expect(`9999-12-31T23:59:59.998Z#${CASE_ID}` < bound).toBe(true);
    expect(`2026-11-30T00:00:00.000Z#${CASE_ID}` < bound).toBe(true);
    // Cases without a deadline are keyed 9999-12-31T23:59:59.999Z#…: never "due before" anything.
    expect(`9999-12-31T23:59:59.999Z#${CASE_ID}` < bound).toBe(false);
  });
});
