import { DeleteMessageCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type * as z from 'zod/mini';
import { DynamoDbCaseListing } from '#lib/adapters/dynamodb-case-listing.ts';
import { DynamoDbCaseStore } from '#lib/adapters/dynamodb-case-store.ts';
import { casePartitionQuery } from '#lib/adapters/dynamodb/table-schema.ts';
import { SqsRefundQueue } from '#lib/adapters/sqs-refund-queue.ts';
import { StaticPolicyProvider } from '#lib/adapters/static-policy-provider.ts';
import { StaticStaffDirectory } from '#lib/adapters/static-staff-directory.ts';
import { PageCursors } from '#lib/contract/page-cursor.ts';
import { RefundMessageSchema, type RefundMessage } from '#lib/contract/refund-message.ts';
import { httpHandler } from '#lib/http/http-handler.ts';
import { getCaseRoute } from '#lib/http/routes/get-case.ts';
import { getCaseHistoryRoute } from '#lib/http/routes/get-case-history.ts';
import { listCasesRoute } from '#lib/http/routes/list-cases.ts';
import { staffCommandRoute } from '#lib/http/routes/staff-command.ts';
import * as commands from '#lib/use-cases/staff-commands.ts';
import {
  CaseDetailResponseSchema,
  CaseHistoryResponseSchema,
  CaseListResponseSchema,
  ErrorResponseSchema,
  StaffWriteResponseSchema,
} from '#lib/http/seller-api-schemas.ts';
import { systemClock } from '#lib/ports/clock.ts';
import type { CaseListing } from '#lib/ports/case-listing.ts';
import type { ProvisionedQueues } from '#local/provision.ts';
import { countItems, createTestQueues, createTestTable, documentClient, sqsClient } from './engines.ts';
import { type StaffRequest, type StaffRouteName, staffEvent } from './staff-factory.ts';
import { lambdaContext } from './webhook-factory.ts';

/**
 * Every seller API handler, wired as the entry files wire them (the same middy chain), but
 * against a fresh table and queues on the real engines.
 */

export const TEST_CURSOR_KEY = 'test-cursor-signing-key-at-least-32-characters';

export type ApiResponse = { status: number; headers: Record<string, string>; body: any };

const successSchemas: Record<StaffRouteName, z.ZodMiniType> = {
  list: CaseListResponseSchema,
  get: CaseDetailResponseSchema,
  history: CaseHistoryResponseSchema,
  evidence: StaffWriteResponseSchema,
  approve: StaffWriteResponseSchema,
  override: StaffWriteResponseSchema,
  note: StaffWriteResponseSchema,
  assign: StaffWriteResponseSchema,
  returnShipment: StaffWriteResponseSchema,
  returnReceipt: StaffWriteResponseSchema,
  inspection: StaffWriteResponseSchema,
  claimFiling: StaffWriteResponseSchema,
  claimOutcome: StaffWriteResponseSchema,
  appeal: StaffWriteResponseSchema,
};

export type SellerApi = Awaited<ReturnType<typeof createSellerApi>>;

export async function createSellerApi(options: { listing?: (table: string) => CaseListing; staff?: Record<string, string[]> } = {}) {
  const tableName = await createTestTable();
  const queues: ProvisionedQueues = await createTestQueues();
  const store = new DynamoDbCaseStore(documentClient(), tableName);
  const refunds = new SqsRefundQueue(sqsClient(), queues.refundQueueUrl);
  const commandDeps = { store, policies: new StaticPolicyProvider(), clock: systemClock };
  const listing = options.listing?.(tableName) ?? new DynamoDbCaseListing(documentClient(), tableName);
  const handlers: Record<StaffRouteName, ReturnType<typeof httpHandler>> = {
    list: httpHandler(listCasesRoute({ listing, cursors: new PageCursors(TEST_CURSOR_KEY), clock: systemClock })),
    get: httpHandler(getCaseRoute({ store, policies: commandDeps.policies })),
    history: httpHandler(getCaseHistoryRoute({ store })),
    // Each staff write as its Lambda runs it: the one staff command route, its command, and the
    // clients its manifest entry grants (the refund queue; the staff directory for assign-case).
    evidence: httpHandler(staffCommandRoute('add-evidence', commands.addEvidence, { ...commandDeps, refunds })),
    approve: httpHandler(staffCommandRoute('approve-decision', commands.approveDecision, { ...commandDeps, refunds })),
    override: httpHandler(staffCommandRoute('override-decision', commands.overrideDecision, { ...commandDeps, refunds })),
    note: httpHandler(staffCommandRoute('add-note', commands.addNote, commandDeps)),
    assign: httpHandler(
      staffCommandRoute('assign-case', commands.assignCase, { ...commandDeps, staff: new StaticStaffDirectory(options.staff ?? {}) }),
    ),
    returnShipment: httpHandler(staffCommandRoute('record-return-shipment', commands.recordReturnShipment, { ...commandDeps, refunds })),
    returnReceipt: httpHandler(staffCommandRoute('record-return-receipt', commands.recordReturnReceipt, { ...commandDeps, refunds })),
    inspection: httpHandler(staffCommandRoute('record-inspection', commands.recordInspection, { ...commandDeps, refunds })),
    claimFiling: httpHandler(staffCommandRoute('record-claim-filing', commands.recordClaimFiling, commandDeps)),
    claimOutcome: httpHandler(staffCommandRoute('record-claim-outcome', commands.recordClaimOutcome, commandDeps)),
    appeal: httpHandler(staffCommandRoute('appeal-decision', commands.appealDecision, { ...commandDeps, refunds })),
  };

  /** Invokes a route through its middy chain; 2xx and 4xx bodies are checked against their schemas. */
  async function call(route: StaffRouteName, request: StaffRequest): Promise<ApiResponse> {
    const res = (await handlers[route](staffEvent(route, request), lambdaContext(route))) as {
      statusCode: number;
      headers: Record<string, string>;
      body: string;
    };
    const body = res.body === '' ? undefined : JSON.parse(res.body);
    if (res.statusCode === 200) successSchemas[route].parse(body);
    else ErrorResponseSchema.parse(body);
    return { status: res.statusCode, headers: res.headers, body };
  }

  const itemCount = () => countItems(tableName);

  /** Items in one case's partition (the case, its history, its outbox records). */
  async function partitionCount(caseId: string): Promise<number> {
    const out = await documentClient().send(
      new QueryCommand({ TableName: tableName, ...casePartitionQuery(caseId), Select: 'COUNT', ConsistentRead: true }),
    );
    return out.Count ?? 0;
  }

  /**
   * Drains the refund queue: every message on it now. Each is deleted once read, so a second
   * message of the same FIFO group (the same case) would surface too and be counted.
   */
  async function queuedRefunds(): Promise<RefundMessage[]> {
    const found: RefundMessage[] = [];
    for (let empty = 0; empty < 2; ) {
      const out = await sqsClient().send(
        new ReceiveMessageCommand({ QueueUrl: queues.refundQueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, VisibilityTimeout: 60 }),
      );
      const messages = out.Messages ?? [];
      if (messages.length === 0) empty += 1;
      for (const m of messages) {
        found.push(RefundMessageSchema.parse(JSON.parse(m.Body ?? '')));
        await sqsClient().send(new DeleteMessageCommand({ QueueUrl: queues.refundQueueUrl, ReceiptHandle: m.ReceiptHandle }));
      }
    }
    return found;
  }

  return { tableName, queues, store, call, itemCount, partitionCount, queuedRefunds };
}
