import { GetCommand, type DynamoDBDocumentClient, QueryCommand, ScanCommand, BatchGetCommand } from '@aws-sdk/lib-dynamodb';

/**
 * Wraps a real document client and counts what reads return: items from index queries,
 * items from table reads (Get, Query, Scan, BatchGet), and the read capacity DynamoDB
 * reports. Everything else passes through untouched.
 */
export type ReadCounts = {
  /** Entries returned by queries on a secondary index. */
  indexItems: number;
  /** Items returned by GetItem, BatchGetItem, table queries and scans. */
  tableItems: number;
  requests: number;
  /** Read capacity units as the engine reports them (DynamoDB Local's accounting). */
  readCapacityUnits: number;
};

export function countingDocumentClient(inner: DynamoDBDocumentClient): {
  client: DynamoDBDocumentClient;
  counts: ReadCounts;
  reset(): void;
} {
  const counts: ReadCounts = { indexItems: 0, tableItems: 0, requests: 0, readCapacityUnits: 0 };
  const isRead = (c: unknown) =>
    c instanceof GetCommand || c instanceof QueryCommand || c instanceof ScanCommand || c instanceof BatchGetCommand;

  async function send(command: any, ...rest: any[]): Promise<any> {
    if (!isRead(command)) return (inner.send as (...a: unknown[]) => Promise<unknown>)(command, ...rest);
    command.input.ReturnConsumedCapacity = 'TOTAL';
    const out = await (inner.send as (...a: unknown[]) => Promise<any>)(command, ...rest);
    counts.requests += 1;
    const consumed = Array.isArray(out.ConsumedCapacity)
      ? out.ConsumedCapacity
      : out.ConsumedCapacity === undefined
        ? []
        : [out.ConsumedCapacity];
    for (const c of consumed) counts.readCapacityUnits += c.CapacityUnits ?? 0;
    if (command instanceof GetCommand) counts.tableItems += out.Item === undefined ? 0 : 1;
    else if (command instanceof BatchGetCommand)
      counts.tableItems += Object.values(out.Responses ?? {}).reduce((n: number, items: any) => n + items.length, 0);
    else if (command.input.IndexName !== undefined) counts.indexItems += out.Items?.length ?? 0;
    else counts.tableItems += out.Items?.length ?? 0;
    return out;
  }

  const client = new Proxy(inner, {
    get(target, prop) {
      if (prop === 'send') return send;
      const value = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return {
    client,
    counts,
    reset() {
      Object.assign(counts, { indexItems: 0, tableItems: 0, requests: 0, readCapacityUnits: 0 });
    },
  };
}
