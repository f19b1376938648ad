import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { PaidRefund, PaidRefunds } from '../ports/refund-records.ts';
import { paidDayOf, refundPaidIndex } from './dynamodb/table-schema.ts';

const DAY_MS = 86_400_000;
/** Days one reconciliation may span: its reads grow with the days and the refunds paid in them. */
export const MAX_RECONCILE_DAYS = 31;

/**
 * Refunds recorded as paid, from the sparse byRefundPaid index (one partition per UTC day,
 * sorted by time): one Query per day of the window, paged; only REFUND_APPLIED events are in it.
 */
export class DynamoDbPaidRefunds implements PaidRefunds {
  readonly #client: DynamoDBDocumentClient;
  readonly #tableName: string;

  constructor(client: DynamoDBDocumentClient, tableName: string) {
    this.#client = client;
    this.#tableName = tableName;
  }

  async listPaid(from: string, to: string): Promise<PaidRefund[]> {
    const start = Date.parse(from);
    const end = Date.parse(to);
    if (!(end > start) || end - start > MAX_RECONCILE_DAYS * DAY_MS) {
      throw new RangeError(`A reconciliation window is 1 ms to ${MAX_RECONCILE_DAYS} days long: ${from} to ${to}`);
    }
    const found: PaidRefund[] = [];
    for (
      let day = Date.UTC(new Date(start).getUTCFullYear(), new Date(start).getUTCMonth(), new Date(start).getUTCDate());
      day < end;
      day += DAY_MS
    ) {
      let startKey: Record<string, unknown> | undefined;
      do {
        const out = await this.#client.send(
          new QueryCommand({
            TableName: this.#tableName,
            IndexName: refundPaidIndex.indexName,
            KeyConditionExpression: '#day = :day AND #at BETWEEN :from AND :to',
            ExpressionAttributeNames: { '#day': refundPaidIndex.partitionKey.name, '#at': refundPaidIndex.sortKey.name },
            ExpressionAttributeValues: {
              ':day': paidDayOf(new Date(day).toISOString().slice(0, 10)),
              ':from': new Date(start).toISOString(),
              // Sort keys are `<at>#<case>#<version>`: every one of an instant before `to` sorts below `to`.
              ':to': new Date(end).toISOString(),
            },
            ExclusiveStartKey: startKey,
          }),
        );
        for (const item of out.Items ?? []) {
          const details = (item.details ?? {}) as Record<string, unknown>;
          const at = String(item.at);
          if (Date.parse(at) >= end) continue;
          found.push({
            caseId: String(item.caseId),
            refundId: String(details.refundId),
            amount: Number(details.amount),
            currency: String(details.currency),
            providerReference: String(details.providerReference),
            ...(typeof (details.payment as { provider?: unknown } | undefined)?.provider === 'string'
              ? { provider: (details.payment as { provider: string }).provider }
              : {}),
            paidAt: at,
          });
        }
        startKey = out.LastEvaluatedKey;
      } while (startKey !== undefined);
    }
    return found;
  }
}
