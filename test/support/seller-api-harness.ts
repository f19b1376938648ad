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
import { addEvidenceRoute } from '#lib/http/routes/add-evidence.ts';
import { addNoteRoute } from '#lib/http/routes/add-note.ts';
import { approveDecisionRoute } from '#lib/http/routes/approve-decision.ts';
import { assignCaseRoute } from '#lib/http/routes/assign-case.ts';
import { getCaseRoute } from '#lib/http/routes/get-case.ts';
import { listCasesRoute } from '#lib/http/routes/list-cases.ts';
import { overrideDecisionRoute } from '#lib/http/routes/override-decision.ts';
import { appealDecisionRoute } from '#lib/http/routes/appeal-decision.ts';
import { recordClaimFilingRoute } from '#lib/http/routes/record-claim-filing.ts';
import { recordClaimOutcomeRoute } from '#lib/http/routes/record-claim-outcome.ts';
import { recordInspectionRoute } from '#lib/http/routes/record-inspection.ts';
import { recordReturnReceiptRoute } from '#lib/http/routes/record-return-receipt.ts';
import { recordReturnShipmentRoute } from '#lib/http/routes/record-return-shipment.ts';
import {
  CaseDetailResponseSchema,
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
    evidence: httpHandler(addEvidenceRoute({ ...commandDeps, refunds })),
    approve: httpHandler(approveDecisionRoute({ ...commandDeps, refunds })),
    override: httpHandler(overrideDecisionRoute({ ...commandDeps, refunds })),
    note: httpHandler(addNoteRoute(commandDeps)),
    assign: httpHandler(assignCaseRoute({ ...commandDeps, staff: new StaticStaffDirectory(options.staff ?? {}) })),
    returnShipment: httpHandler(recordReturnShipmentRoute({ ...commandDeps, refunds })),
    returnReceipt: httpHandler(recordReturnReceiptRoute({ ...commandDeps, refunds })),
    inspection: httpHandler(recordInspectionRoute({ ...commandDeps, refunds })),
    claimFiling: httpHandler(recordClaimFilingRoute(commandDeps)),
    claimOutcome: httpHandler(recordClaimOutcomeRoute(commandDeps)),
    appeal: httpHandler(appealDecisionRoute({ ...commandDeps, refunds })),
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
