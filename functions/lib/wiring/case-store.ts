import { DynamoDbCaseStore } from '../adapters/dynamodb-case-store.ts';
import { recordCommittedEvents } from '../business-metrics.ts';
import type { CaseCommit, CasePatch, CaseStore } from '../ports/case-store.ts';
import { dynamoDbTable } from './dynamodb.ts';
import { once } from './once.ts';

/**
 * A case store that reports the business metrics of what it has written (decisions, refunds
 * released and paid, money paid, SLA breaches): only after a commit or patch succeeds, so a
 * write refused as a duplicate or a lost race counts nothing, and its retry counts once.
 */
export function meteredCaseStore(store: CaseStore): CaseStore {
  return {
    getCase: (caseId) => store.getCase(caseId),
    getHistoryPage: (caseId, request) => store.getHistoryPage(caseId, request),
    getDelivery: (marketplace, deliveryId) => store.getDelivery(marketplace, deliveryId),
    getHeldEvents: (caseId) => store.getHeldEvents(caseId),
    holdEvent: (change) => store.holdEvent(change),
    async commit(change: CaseCommit) {
      await store.commit(change);
      recordCommittedEvents(change.events);
    },
    async patch(change: CasePatch) {
      await store.patch(change);
      recordCommittedEvents(change.events);
    },
    async patchClaim(change) {
      await store.patchClaim(change);
      recordCommittedEvents(change.events);
    },
    clearOutbox: (caseId, refundId) => store.clearOutbox(caseId, refundId),
    listPendingOutbox: (input) => store.listPendingOutbox(input),
  };
}

/** The case store on the table (TABLE_NAME), metered. */
export const caseStore: () => CaseStore = once(function buildCaseStore() {
  const { client, tableName } = dynamoDbTable();
  return meteredCaseStore(new DynamoDbCaseStore(client, tableName));
});
