import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { DeleteMessageBatchCommand, GetQueueAttributesCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { canTransition, type CaseRecord, type CaseStatus, caseStatuses, type HistoryEvent } from '#lib/workflow/case.ts';
import { RefundMessageSchema } from '#lib/contract/refund-message.ts';
import { deliveryKey, itemKindOf } from '#lib/adapters/dynamodb/table-schema.ts';
import { carrierShare } from '#lib/workflow/carrier-claim.ts';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../engines.ts';
import type { LedgerEntry } from '../payment-simulator.ts';
import type { RequestRecord } from './stats.ts';
import type { WebhookModel } from './webhook-traffic.ts';

/**
 * The soak's end-of-run proof, read straight from the engines after the system has drained:
 * the whole table (a Scan is fine for an offline check), the refund queue and its DLQ, the
 * payment simulator's ledger, and the traffic's own record of what it sent and was answered.
 * Each invariant reports ok / violated with counts and (a bounded list of) examples.
 */

export type InvariantResult = {
  readonly name: string;
  readonly ok: boolean;
  /** One line a person can read: what was checked, with numbers. */
  readonly summary: string;
  /** Up to a few examples of violations (ids and reasons, never bodies). */
  readonly examples: readonly string[];
  readonly counts: Readonly<Record<string, number>>;
};

export type TableSnapshot = {
  cases: Map<string, CaseRecord>;
  events: Map<string, HistoryEvent[]>;
  outbox: { caseId: string; refundId: string }[];
  deliveries: Map<string, { caseId: string }>;
  /**
   * Events held for a return not received yet, by case id: the guard item (`sk=HELD`) and
   * the held events (`sk=HELD#<seq>`). They must vanish when the case is created.
   */
  held: Map<string, { guard: boolean; events: number }>;
  /** Outbound notifications (#21): what each change owed, and where its delivery stands. */
  notifications: { caseId: string; eventId: string; type: string; state: string; marketplace: string; caseVersion: number }[];
  items: number;
};

export type FaultWindowRecord = { kind: string; start: number; end: number };

const MAX_EXAMPLES = 8;
/** A 5xx this close after a DynamoDB throttle window is still its doing (SDK backoff, retry quota). */
export const THROTTLE_ATTRIBUTION_GRACE_MS = 3_000;

export function documentClientFor(endpoint: string): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS }));
}

/** Reads every item of the table, page by page. */
export async function scanTable(client: DynamoDBDocumentClient, tableName: string): Promise<TableSnapshot> {
  const snapshot: TableSnapshot = {
    cases: new Map(),
    events: new Map(),
    outbox: [],
    deliveries: new Map(),
    held: new Map(),
    notifications: [],
    items: 0,
  };
  let startKey: Record<string, unknown> | undefined;
  for (let page = 0; page < 100_000; page++) {
    const out = await client.send(new ScanCommand({ TableName: tableName, ExclusiveStartKey: startKey, ConsistentRead: true }));
    for (const item of out.Items ?? []) {
      snapshot.items += 1;
      const key = itemKindOf(item);
      if (key.kind === 'CASE') {
        snapshot.cases.set(String(item.caseId), item as unknown as CaseRecord);
      } else if (key.kind === 'EVENT') {
        const { caseId } = key;
        const list = snapshot.events.get(caseId) ?? [];
        list.push(item as unknown as HistoryEvent);
        snapshot.events.set(caseId, list);
      } else if (key.kind === 'OUTBOX') {
        snapshot.outbox.push({ caseId: key.caseId, refundId: key.refundId });
      } else if (key.kind === 'HELD') {
        const held = snapshot.held.get(key.caseId) ?? { guard: false, events: 0 };
        if (String(item.sk) === 'HELD') held.guard = true;
        else held.events += 1;
        snapshot.held.set(key.caseId, held);
      } else if (key.kind === 'DELIVERY') {
        snapshot.deliveries.set(String(item.pk), { caseId: String(item.caseId) });
      } else if (key.kind === 'NOTIFICATION') {
        const n = item.notification as { eventId: string; type: string; marketplace: string; caseVersion: number };
        snapshot.notifications.push({
          caseId: key.caseId,
          eventId: n.eventId,
          type: n.type,
          state: String(item.state),
          marketplace: n.marketplace,
          caseVersion: n.caseVersion,
        });
      }
    }
    startKey = out.LastEvaluatedKey;
    if (startKey === undefined) break;
  }
  for (const list of snapshot.events.values()) list.sort((a, b) => a.version - b.version || a.seq - b.seq);
  return snapshot;
}

function result(name: string, violations: string[], summary: string, counts: Record<string, number>): InvariantResult {
  return {
    name,
    ok: violations.length === 0,
    summary,
    examples: violations.slice(0, MAX_EXAMPLES),
    counts: { ...counts, violations: violations.length },
  };
}

/**
 * Carrier claims and appeals (#19): no claim without carrier-borne cost, a claim to file equals
 * the carrier's share, every expired or denied claim moved its cost to the seller (no line the
 * carrier still bears), a claim expired at most once; at most one appeal decided per case, and
 * no refund paid above the amount paid by the buyer (an appeal top-up paid once: the refunds
 * invariant checks each refund id).
 */
export function checkCarrierClaimsAndAppeals(snapshot: TableSnapshot, ledger: readonly LedgerEntry[]): InvariantResult {
  const violations: string[] = [];
  const counts = { claims: 0, toFile: 0, filed: 0, paid: 0, denied: 0, expired: 0, appeals: 0, appealTopUps: 0 };
  // One entry per refund id (a provider replay answers the same refund, it does not pay again).
  const paidByRefund = new Map<string, number>();
  for (const entry of ledger) paidByRefund.set(entry.idempotencyKey, entry.amount);
  for (const c of snapshot.cases.values()) {
    const share = carrierShare(c.ledger);
    const claim = c.carrierClaim;
    const events = snapshot.events.get(c.caseId) ?? [];
    if (claim === undefined) {
      // A cancelled return made nobody whole: its claim is withdrawn.
      if (share > 0 && c.status !== 'CANCELLED')
        violations.push(`${c.caseId}: the ledger puts ${share} on the carrier but no claim is open`);
    } else {
      counts.claims += 1;
      const key = { TO_FILE: 'toFile', FILED: 'filed', PAID: 'paid', DENIED: 'denied', EXPIRED: 'expired' } as const;
      counts[key[claim.state]] += 1;
      if (claim.state === 'TO_FILE' && claim.amount !== share)
        violations.push(`${c.caseId}: claim ${claim.amount} ≠ carrier's share ${share}`);
      if (claim.amount <= 0) violations.push(`${c.caseId}: claim of ${claim.amount}`);
      if ((claim.state === 'EXPIRED' || claim.state === 'DENIED') && (c.ledger ?? []).some((l) => l.bornBy === 'CARRIER')) {
        violations.push(`${c.caseId}: claim ${claim.state} but the carrier still bears a ledger line`);
      }
    }
    if (events.filter((e) => e.action === 'CARRIER_CLAIM_EXPIRED').length > 1) violations.push(`${c.caseId}: claim expired twice`);
    const decided = events.filter((e) => e.action === 'APPEAL_DECIDED');
    if (decided.length > 1) violations.push(`${c.caseId}: ${decided.length} appeals decided`);
    if (c.appeal !== undefined) {
      counts.appeals += 1;
      if (c.appeal.topUp > 0) counts.appealTopUps += 1;
    }
    // An appeal never raises the refunds above what the buyer paid, as known when it was decided
    // (a later marketplace update may lower the amount; money paid before it stays paid).
    // And its top-up is paid as decided, no more (the ledger by the top-up's refund id).
    for (const e of decided) {
      const { amount, amountPaid, topUp } = e.details as { amount?: number; amountPaid?: number; topUp?: number };
      const ceiling = amountPaid ?? c.return.money.amountPaid;
      if ((topUp ?? 0) > 0 && amount !== undefined && amount > ceiling) {
        violations.push(`${c.caseId}: an appeal raised the refund to ${amount}, above the ${ceiling} paid`);
      }
      const due = events.find((d) => d.version === e.version && d.action === 'REFUND_DUE');
      const refundId = due?.details.refundId;
      const paidTopUp = typeof refundId === 'string' ? (paidByRefund.get(refundId) ?? 0) : 0;
      if (paidTopUp > (topUp ?? 0)) violations.push(`${c.caseId}: the appeal's top-up paid ${paidTopUp}, above the ${topUp ?? 0} decided`);
    }
  }
  return result(
    'carrier claims and appeals',
    violations,
    `${counts.claims} carrier claims (${counts.toFile} to file, ${counts.filed} filed, ${counts.paid} paid, ${counts.denied} denied, ${counts.expired} expired), ${counts.appeals} appeals (${counts.appealTopUps} topped up)`,
    counts,
  );
}

/** Every accepted return has exactly one case, and every case belongs to a return the soak sent. */
export function checkOneCasePerAcceptedReturn(snapshot: TableSnapshot, model: WebhookModel): InvariantResult {
  const violations: string[] = [];
  let accepted = 0;
  for (const r of model.returns.values()) {
    if (!r.accepted) continue;
    accepted += 1;
    if (!snapshot.cases.has(r.caseId)) violations.push(`return ${r.returnId} was accepted (202) but case ${r.caseId} does not exist`);
  }
  const byReturn = new Map<string, number>();
  for (const c of snapshot.cases.values()) {
    const key = `${c.marketplace}#${c.marketplaceReturnId}`;
    byReturn.set(key, (byReturn.get(key) ?? 0) + 1);
    if (!model.returns.has(c.caseId))
      violations.push(`case ${c.caseId} (return ${c.marketplaceReturnId}) belongs to no return the soak sent`);
  }
  for (const [key, count] of byReturn) if (count > 1) violations.push(`return ${key} has ${count} cases`);
  return result(
    'every accepted return has exactly one case',
    violations,
    `${accepted} returns accepted, ${snapshot.cases.size} cases in the table`,
    { acceptedReturns: accepted, cases: snapshot.cases.size },
  );
}

/**
 * Every case is in a legal state, and its history explains it: versions 1..version with no
 * gap, seq 0.. within a version, each event a legal move (canTransition) from where the
 * previous one left the case, the last one ending where the case is, and REFUND_APPLIED
 * recorded exactly when (and as often as) the refund is APPLIED.
 */
export function checkHistories(snapshot: TableSnapshot): InvariantResult {
  const violations: string[] = [];
  const illegalMoves = new Map<string, number>();
  let events = 0;
  for (const c of snapshot.cases.values()) {
    const history = snapshot.events.get(c.caseId) ?? [];
    events += history.length;
    const where = `case ${c.caseId} (v${c.version}, ${c.status})`;
    if (!(caseStatuses as readonly string[]).includes(c.status)) violations.push(`${where}: unknown status`);
    if (history.length === 0) {
      violations.push(`${where}: no history`);
      continue;
    }
    const versions = [...new Set(history.map((e) => e.version))];
    const expected = Array.from({ length: c.version }, (_, i) => i + 1);
    if (versions.join(',') !== expected.join(',')) {
      violations.push(`${where}: history versions ${versions.join(',')} are not 1..${c.version}`);
    }
    let previous: CaseStatus | null = null;
    let lastVersion = 0;
    let nextSeq = 0;
    history.forEach(function checkEvent(e, i) {
      if (e.version !== lastVersion) {
        lastVersion = e.version;
        nextSeq = 0;
      }
      if (e.seq !== nextSeq) violations.push(`${where}: event v${e.version} seq ${e.seq}, expected seq ${nextSeq}`);
      nextSeq = e.seq + 1;
      if (i === 0) {
        if (e.fromStatus !== null) violations.push(`${where}: first event ${e.action} starts from ${e.fromStatus}, not from nothing`);
      } else if (e.fromStatus !== previous) {
        violations.push(`${where}: event v${e.version}.${e.seq} ${e.action} starts from ${e.fromStatus}, but the case was ${previous}`);
      }
      // A carrier claim is bookkeeping beside the status machine (#19): followed, never moving the status, even on a closed case.
      const claimBookkeeping =
        e.fromStatus === e.toStatus && (e.action.startsWith('CARRIER_CLAIM_') || e.action === 'CARRIER_COST_MOVED_TO_SELLER');
      const legal =
        e.fromStatus === null ? i === 0 && e.toStatus === 'RECEIVED' : claimBookkeeping || canTransition(e.fromStatus, e.toStatus);
      if (!legal) {
        const move = `${e.action} ${e.fromStatus}→${e.toStatus}`;
        illegalMoves.set(move, (illegalMoves.get(move) ?? 0) + 1);
        violations.push(`${where}: event v${e.version}.${e.seq} ${move} is not a legal transition`);
      }
      previous = e.toStatus;
    });
    const last = history.at(-1) as HistoryEvent;
    if (last.toStatus !== c.status) violations.push(`${where}: last event ${last.action} ends in ${last.toStatus}`);
    const applied = history.filter((e) => e.action === 'REFUND_APPLIED');
    const refundApplied = c.refund?.status === 'APPLIED';
    if (refundApplied && applied.filter((e) => e.details.refundId === c.refund?.refundId).length !== 1) {
      violations.push(`${where}: refund ${c.refund?.refundId} is APPLIED with ${applied.length} REFUND_APPLIED events`);
    }
    if (!refundApplied && applied.length > 0)
      violations.push(`${where}: REFUND_APPLIED in history but refund is ${c.refund?.status ?? 'absent'}`);
    if ((c.status === 'REFUNDED') !== refundApplied && c.status !== 'CLOSED') {
      violations.push(`${where}: status ${c.status} with refund ${c.refund?.status ?? 'absent'}`);
    }
  }
  const moves = [...illegalMoves].map(([move, n]) => `${move} ×${n}`).join(', ');
  return result(
    'every case is in a legal state with a consistent history',
    violations,
    `${snapshot.cases.size} cases, ${events} history events checked${moves === '' ? '' : `; illegal moves: ${moves}`}`,
    { cases: snapshot.cases.size, events },
  );
}

/**
 * A delivery id is applied at most once: it appears in the events of one version only. A
 * delivery record names an existing case, or a return whose events are still held (an
 * early cancel whose request never got through); held events never outlive their case's creation.
 */
export function checkDeliveriesAppliedOnce(snapshot: TableSnapshot, model: WebhookModel): InvariantResult {
  const violations: string[] = model.duplicatesApplied.map((d) => `duplicate of ${d.deliveryId} answered ${d.status} ${d.body}`);
  const seen = new Map<string, string>();
  for (const [caseId, history] of snapshot.events) {
    for (const e of history) {
      const deliveryId = e.details.deliveryId;
      if (typeof deliveryId !== 'string') continue;
      const at = `${caseId} v${e.version}`;
      const earlier = seen.get(deliveryId);
      if (earlier !== undefined && earlier !== at) violations.push(`delivery ${deliveryId} applied twice: ${earlier} and ${at}`);
      seen.set(deliveryId, at);
    }
  }
  let heldDeliveries = 0;
  for (const [key, d] of snapshot.deliveries) {
    if (snapshot.cases.has(d.caseId)) continue;
    if (snapshot.held.has(d.caseId)) heldDeliveries += 1;
    else violations.push(`delivery record ${key} points at missing case ${d.caseId} with no held events`);
  }
  let heldEvents = 0;
  for (const [caseId, held] of snapshot.held) {
    heldEvents += held.events;
    if (snapshot.cases.has(caseId))
      violations.push(`case ${caseId} exists but ${held.events} held events${held.guard ? ' and their guard' : ''} were not consumed`);
    else if (!held.guard) violations.push(`${held.events} held events for ${caseId} without their guard item`);
  }
  return result(
    'every delivery is applied at most once',
    violations,
    `${snapshot.deliveries.size} delivery records, ${seen.size} deliveries in history, ${model.duplicatesApplied.length} duplicates answered as new; ` +
      `${heldEvents} events still held for ${snapshot.held.size} returns not received (${heldDeliveries} delivery records)`,
    {
      deliveryRecords: snapshot.deliveries.size,
      deliveriesInHistory: seen.size,
      heldReturns: snapshot.held.size,
      heldEvents,
      heldDeliveries,
    },
  );
}

/**
 * Every refund that is due is paid exactly once, and nothing else is paid: one ledger entry
 * per APPLIED refund (same idempotency key, reference, amount), none for a cancelled or
 * superseded refund, no ledger entry without a case, and no refund left due.
 */
export function checkRefundsExactlyOnce(snapshot: TableSnapshot, ledger: readonly LedgerEntry[]): InvariantResult {
  const violations: string[] = [];
  const byKey = new Map<string, LedgerEntry[]>();
  for (const entry of ledger) byKey.set(entry.idempotencyKey, [...(byKey.get(entry.idempotencyKey) ?? []), entry]);
  const counts = {
    applied: 0,
    cancelled: 0,
    held: 0,
    stillDue: 0,
    ledgerEntries: ledger.length,
    providerCalls: 0,
    replayedCalls: 0,
    amountPaid: 0,
  };
  const appliedIds = new Set<string>();
  for (const c of snapshot.cases.values()) {
    // An earlier refund of a case topped up since (#15) is in its history, paid once.
    for (const e of snapshot.events.get(c.caseId) ?? []) {
      if (e.action !== 'REFUND_APPLIED' || e.details.refundId === c.refund?.refundId) continue;
      const id = String(e.details.refundId);
      if ((byKey.get(id) ?? []).length !== 1)
        violations.push(`case ${c.caseId}: earlier refund ${id} has ${(byKey.get(id) ?? []).length} ledger entries`);
      appliedIds.add(id);
    }
    const refund = c.refund;
    if (refund === undefined) continue;
    if (refund.status === 'APPLIED') {
      counts.applied += 1;
      appliedIds.add(refund.refundId);
      const entries = byKey.get(refund.refundId) ?? [];
      if (entries.length !== 1) {
        violations.push(`case ${c.caseId}: refund ${refund.refundId} APPLIED with ${entries.length} ledger entries`);
        continue;
      }
      const entry = entries[0] as LedgerEntry;
      if (entry.reference !== refund.providerReference)
        violations.push(`case ${c.caseId}: provider reference ${refund.providerReference} ≠ ledger ${entry.reference}`);
      if (entry.amount !== refund.amount || entry.currency !== refund.currency || entry.caseId !== c.caseId) {
        violations.push(
          `case ${c.caseId}: ledger paid ${entry.amount} ${entry.currency} to ${entry.caseId}, refund is ${refund.amount} ${refund.currency}`,
        );
      }
    } else if (refund.status === 'CANCELLED') {
      counts.cancelled += 1;
    } else if (refund.status === 'HELD' && c.status === 'AWAITING_RETURN') {
      // Held for goods that have not come back (yet): owed to no queue (#15).
      counts.held += 1;
    } else {
      counts.stillDue += 1;
      violations.push(`case ${c.caseId} (${c.status}): refund ${refund.refundId} still ${refund.status} after the drain`);
    }
  }
  for (const entry of ledger) {
    counts.providerCalls += entry.calls;
    counts.replayedCalls += entry.calls - 1;
    counts.amountPaid += entry.amount;
    if (appliedIds.has(entry.idempotencyKey)) continue;
    const c = snapshot.cases.get(entry.caseId);
    violations.push(
      c === undefined
        ? `ledger ${entry.reference} paid ${entry.idempotencyKey} for a case that does not exist`
        : `ledger ${entry.reference} paid ${entry.idempotencyKey}, but case ${c.caseId} is ${c.status} with refund ${c.refund?.refundId ?? 'none'} ${c.refund?.status ?? ''}`,
    );
  }
  return result(
    'every due refund is paid exactly once, nothing else is paid',
    violations,
    `${counts.applied} refunds APPLIED, ${counts.ledgerEntries} ledger entries (${counts.replayedCalls} idempotent replays), ${counts.cancelled} cancelled before payment, ${counts.held} held for the goods, ${counts.stillDue} still due`,
    counts,
  );
}

/** What a RETURN_LEG_RECORDED event says was known once it was written. */
type LegKnown = { shipped?: boolean; deliveredToSeller?: boolean; received?: boolean; inspected?: boolean };
const legFlagFor: Readonly<Record<string, keyof LegKnown | undefined>> = {
  FIRST_SCAN: 'shipped',
  ON_RETURN_DELIVERED: 'deliveredToSeller',
  ON_RECEIPT: 'received',
  ON_INSPECTION: 'inspected',
};

/**
 * The return leg (#15), from the table, the history and the payment ledger:
 * - no refund that waits for the goods is paid before its release condition: the REFUND_DUE
 *   that queued it names a release mode whose condition a RETURN_LEG_RECORDED event at or
 *   before that version had met (shipped, delivered to the seller, received, inspected), or
 *   the parcel was shipped and then lost in transit (RETURN_LOST_IN_TRANSIT at that version);
 * - every payment equals the final decision's refund: what the ledger paid for a case is the
 *   amount of the staff resolution when there is one, of the escalation's default resolution
 *   when that made it due, and of the current decision otherwise;
 * - nothing is paid for a case closed as not returned (CLOSED_NOT_RETURNED).
 */
export function checkReturnLeg(snapshot: TableSnapshot, ledger: readonly LedgerEntry[]): InvariantResult {
  const violations: string[] = [];
  const paidByCase = new Map<string, number>();
  for (const entry of ledger) paidByCase.set(entry.caseId, (paidByCase.get(entry.caseId) ?? 0) + entry.amount);
  const counts = { releasedAfterGoods: 0, releasedLostInTransit: 0, paidAtDecision: 0, paymentsChecked: 0, closedNotReturned: 0, held: 0 };
  for (const c of snapshot.cases.values()) {
    const history = snapshot.events.get(c.caseId) ?? [];
    const where = `case ${c.caseId} (${c.status})`;
    if (c.refund?.status === 'HELD') counts.held += 1;
    if (history.some((e) => e.action === 'CLOSED_NOT_RETURNED')) {
      counts.closedNotReturned += 1;
      if ((paidByCase.get(c.caseId) ?? 0) > 0)
        violations.push(`${where}: closed as not returned, but ${paidByCase.get(c.caseId)} was paid`);
      if (c.refund !== undefined && c.refund.status !== 'CANCELLED')
        violations.push(`${where}: closed as not returned with refund ${c.refund.status}`);
    }
    const paid = paidByCase.get(c.caseId);
    if (paid === undefined || c.refund?.status !== 'APPLIED') continue;
    const due = history.find((e) => e.action === 'REFUND_DUE' && e.details.refundId === c.refund?.refundId);
    const mode = (due?.details.release as { mode?: string } | undefined)?.mode;
    const flag = mode === undefined ? undefined : legFlagFor[mode];
    if (flag === undefined) counts.paidAtDecision += 1;
    else {
      const known = (f: keyof LegKnown) =>
        history.some(
          (e) =>
            e.action === 'RETURN_LEG_RECORDED' && e.version <= (due?.version ?? 0) && (e.details.leg as LegKnown | undefined)?.[f] === true,
        );
      // Lost on the way back (a LOST scan, or not arrived by its deadline): released once the buyer had shipped.
      const lostInTransit = history.some((e) => e.action === 'RETURN_LOST_IN_TRANSIT' && e.version === due?.version);
      if (known(flag)) counts.releasedAfterGoods += 1;
      else if (lostInTransit && known('shipped')) counts.releasedLostInTransit += 1;
      else violations.push(`${where}: refund ${c.refund.refundId} (${mode}) was made due at v${due?.version} before its release condition`);
    }
    counts.paymentsChecked += 1;
    const byDefault = history.find((e) => e.action === 'DEFAULT_RESOLUTION' && e.details.refundId === c.refund?.refundId);
    const expected = c.resolution?.amount ?? (byDefault === undefined ? c.decision?.refund.amount : (byDefault.details.amount as number));
    if (paid !== expected) violations.push(`${where}: paid ${paid} in all, the final decision's refund is ${expected ?? 'none'}`);
  }
  return result(
    'the return leg: no refund before its goods, payments equal the final decision, none for a return never sent',
    violations,
    `${counts.releasedAfterGoods} refunds released after the goods, ${counts.releasedLostInTransit} released as lost in transit after shipping, ${counts.paidAtDecision} paid at decision (nothing to send back), ${counts.paymentsChecked} payments checked against the final decision, ${counts.closedNotReturned} closed as not returned (none paid), ${counts.held} still held`,
    counts,
  );
}

/**
 * No refund is paid for a return whose cancellation was accepted (answered 202 held, or with
 * the case CANCELLED): its case, if it exists, is CANCELLED with no refund APPLIED, and the
 * ledger holds no payment for it. A held cancellation whose request never got through leaves
 * no case, which is fine.
 */
export function checkNoRefundAfterAcceptedCancel(
  snapshot: TableSnapshot,
  ledger: readonly LedgerEntry[],
  model: WebhookModel,
): InvariantResult {
  const violations: string[] = [];
  const paidCases = new Map<string, LedgerEntry[]>();
  for (const entry of ledger) paidCases.set(entry.caseId, [...(paidCases.get(entry.caseId) ?? []), entry]);
  const counts = { cancelsAccepted: 0, casesCancelled: 0, bornCancelled: 0, noCase: 0, refundsWithdrawn: 0 };
  for (const r of model.returns.values()) {
    if (!r.cancelAccepted) continue;
    counts.cancelsAccepted += 1;
    const c = snapshot.cases.get(r.caseId);
    if (c === undefined) counts.noCase += 1;
    else if (c.status !== 'CANCELLED') violations.push(`return ${r.returnId}: cancellation accepted, but case ${c.caseId} is ${c.status}`);
    else counts.casesCancelled += 1;
    // A held cancel replayed by the request: the case was created CANCELLED in one write.
    if (
      snapshot.events
        .get(r.caseId)
        ?.some((e) => e.action === 'RETURN_CANCELLED' && e.version === 1 && e.details.arrivedBeforeTheReturn === true)
    )
      counts.bornCancelled += 1;
    if (c?.refund?.status === 'APPLIED')
      violations.push(`return ${r.returnId}: cancellation accepted, but refund ${c.refund.refundId} of case ${c.caseId} is APPLIED`);
    if (c?.refund?.status === 'CANCELLED') counts.refundsWithdrawn += 1;
    for (const entry of paidCases.get(r.caseId) ?? []) {
      violations.push(
        `return ${r.returnId}: cancellation accepted, but ledger ${entry.reference} paid ${entry.amount} ${entry.currency} for case ${r.caseId} (${entry.idempotencyKey})`,
      );
    }
  }
  return result(
    'no refund paid for a return whose cancellation was accepted',
    violations,
    `${counts.cancelsAccepted} cancellations accepted: ${counts.casesCancelled} cases CANCELLED (${counts.bornCancelled} born cancelled from a held cancel, ${counts.refundsWithdrawn} with a refund withdrawn), ${counts.noCase} still held without a case; no ledger entry for any`,
    counts,
  );
}

/**
 * No case is changed by an event naming another seller: every cancellation the soak sent
 * naming another seller and order than the case was answered 409, left no delivery record,
 * and appears in no case's history.
 */
export function checkCrossSellerChangedNothing(snapshot: TableSnapshot, model: WebhookModel): InvariantResult {
  const violations: string[] = [];
  const inHistory = new Map<string, string>();
  for (const [caseId, history] of snapshot.events) {
    for (const e of history) {
      if (typeof e.details.deliveryId === 'string') inHistory.set(e.details.deliveryId, `${caseId} v${e.version} ${e.action}`);
    }
  }
  for (const x of model.crossSellerCancels) {
    const where = `cancel ${x.deliveryId} of case ${x.caseId} naming another seller`;
    if (x.status !== 409) violations.push(`${where} answered ${x.status || 'nothing'}, expected 409`);
    const applied = inHistory.get(x.deliveryId);
    if (applied !== undefined) violations.push(`${where} is in the history of ${applied}`);
    if (snapshot.deliveries.has(`DELIVERY#${x.marketplace}#${x.deliveryId}`)) violations.push(`${where} left a delivery record`);
  }
  return result(
    'no case changed by an event naming another seller',
    violations,
    `${model.crossSellerCancels.length} cancellations naming another seller: ${model.crossSellerCancels.filter((x) => x.status === 409).length} answered 409; histories and delivery records checked`,
    { crossSellerCancels: model.crossSellerCancels.length },
  );
}

/** What the marketplace's receiver got (local/notification-receiver.ts). */
export type ReceiverReport = {
  readonly received: readonly { webhookId: string; caseId: string; caseVersion: number; type: string; marketplace: string }[];
  readonly counts: { duplicates: number; badSignature: number; badBody: number; failed: number; gone: number };
};

/** Staff and default decisions, and payments: each must have been told (case.decided, refund.paid). */
const TOLD: Readonly<Record<string, string>> = {
  DECISION_APPROVED: 'case.decided',
  DECISION_OVERRIDDEN: 'case.decided',
  APPEAL_DECIDED: 'case.decided',
  DEFAULT_RESOLUTION: 'case.decided',
  REFUND_APPLIED: 'refund.paid',
};

/**
 * Outbound notifications (#21), once the system has drained: every committed decision (staff,
 * appeal, default resolution) and every payment has its notification, delivered to a marketplace
 * with a webhook channel (demo-market) and received there; every notification settled (none
 * pending, dead or unsubscribed: the soak's receiver never refuses); the receiver got nothing
 * that was not committed, each id once, and each case's in the order of its changes. Repeats on
 * the wire (at least once: an answer lost to a fault) are counted, not refused.
 */
export function checkNotifications(
  snapshot: TableSnapshot,
  receiver: ReceiverReport,
  webhookMarketplaces: readonly string[],
): InvariantResult {
  const violations: string[] = [];
  const byKey = new Map(snapshot.notifications.map((n) => [`${n.caseId}#${n.caseVersion}#${n.type}`, n]));
  const committed = new Set(snapshot.notifications.map((n) => n.eventId));
  const receivedIds = new Set(receiver.received.map((r) => r.webhookId));
  let owed = 0;
  for (const [caseId, events] of snapshot.events) {
    const c = snapshot.cases.get(caseId);
    for (const e of events) {
      const type = TOLD[e.action];
      if (type === undefined) continue;
      owed += 1;
      const n = byKey.get(`${caseId}#${e.version}#${type}`);
      if (n === undefined) violations.push(`${caseId} v${e.version} ${e.action}: no ${type} notification committed`);
      else if (c !== undefined && webhookMarketplaces.includes(c.marketplace) && !receivedIds.has(n.eventId)) {
        violations.push(`${caseId} v${e.version} ${e.action}: ${type} ${n.eventId} (${n.state}) never reached the receiver`);
      }
    }
  }
  for (const n of snapshot.notifications) {
    if (n.state !== 'DELIVERED' && n.state !== 'NOT_SENT') violations.push(`${n.caseId} ${n.eventId} ${n.type} is ${n.state}`);
    if (n.state === 'DELIVERED' && webhookMarketplaces.includes(n.marketplace) && !receivedIds.has(n.eventId)) {
      violations.push(`${n.caseId} ${n.eventId} ${n.type} recorded DELIVERED, never received`);
    }
  }
  if (receivedIds.size !== receiver.received.length) violations.push('the receiver accepted an id twice');
  const lastVersion = new Map<string, number>();
  for (const r of receiver.received) {
    if (!committed.has(r.webhookId)) violations.push(`${r.caseId}: received ${r.webhookId} (${r.type}) that no change committed`);
    if ((lastVersion.get(r.caseId) ?? 0) > r.caseVersion)
      violations.push(`${r.caseId}: v${r.caseVersion} ${r.type} arrived after a later change's`);
    lastVersion.set(r.caseId, Math.max(lastVersion.get(r.caseId) ?? 0, r.caseVersion));
  }
  if (receiver.counts.badSignature > 0 || receiver.counts.badBody > 0) {
    violations.push(`the receiver refused ${receiver.counts.badSignature} signature(s) and ${receiver.counts.badBody} body(ies)`);
  }
  return result(
    'notifications: each decision and payment told once, in order',
    violations,
    `${snapshot.notifications.length} notifications committed, ${receiver.received.length} received, ${owed} decisions and payments owed one, ${receiver.counts.duplicates} repeats on the wire`,
    {
      committed: snapshot.notifications.length,
      received: receiver.received.length,
      owed,
      repeatsOnTheWire: receiver.counts.duplicates,
    },
  );
}

export type QueueState = { visible: number; inFlight: number; delayed: number };

export async function queueState(sqs: SQSClient, queueUrl: string): Promise<QueueState> {
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'],
    }),
  );
  return {
    visible: Number(Attributes.ApproximateNumberOfMessages ?? 0),
    inFlight: Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0),
    delayed: Number(Attributes.ApproximateNumberOfMessagesDelayed ?? 0),
  };
}

/** Nothing left on the refund queue or in flight, and no refund left in the outbox. */
export function checkDrained(queue: QueueState, snapshot: TableSnapshot): InvariantResult {
  const violations: string[] = [];
  if (queue.visible + queue.inFlight + queue.delayed > 0)
    violations.push(`refund queue: ${queue.visible} waiting, ${queue.inFlight} in flight, ${queue.delayed} delayed`);
  for (const o of snapshot.outbox) violations.push(`outbox record ${o.refundId} of case ${o.caseId} never cleared`);
  return result(
    'no message left on the queue or in flight, no outbox record left',
    violations,
    `refund queue ${queue.visible} waiting / ${queue.inFlight} in flight; ${snapshot.outbox.length} outbox records`,
    { ...queue, outbox: snapshot.outbox.length },
  );
}

export type DeadLetter = { messageId: string; body: string; receiveCount: number };

/** Reads every message on the DLQ once (and deletes it only when asked). Bounded. */
export async function readDeadLetters(sqs: SQSClient, dlqUrl: string, options: { remove: boolean }): Promise<DeadLetter[]> {
  const letters: DeadLetter[] = [];
  for (let round = 0; round < 1_000; round++) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: dlqUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
        VisibilityTimeout: 600,
        MessageSystemAttributeNames: ['All'],
      }),
    );
    if (Messages.length === 0) break;
    for (const m of Messages) {
      letters.push({ messageId: m.MessageId ?? '', body: m.Body ?? '', receiveCount: Number(m.Attributes?.ApproximateReceiveCount ?? 0) });
    }
    if (options.remove) {
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: dlqUrl,
          Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle ?? '' })),
        }),
      );
    }
  }
  return letters;
}

/**
 * Every dead-lettered refund message is explained by the case it names: the refund was paid
 * anyway (a redelivery after success), or is no longer due (cancelled, superseded). A due
 * refund stuck in the DLQ, a message for no case or one that does not parse is a violation.
 */
export function checkDeadLetters(letters: readonly DeadLetter[], snapshot: TableSnapshot): InvariantResult {
  const violations: string[] = [];
  const explained: Record<string, number> = {};
  for (const letter of letters) {
    let parsed;
    try {
      parsed = RefundMessageSchema.safeParse(JSON.parse(letter.body));
    } catch {
      parsed = undefined;
    }
    if (parsed === undefined || !parsed.success) {
      violations.push(`DLQ message ${letter.messageId} is not a refund message`);
      continue;
    }
    const message = parsed.data;
    const c = snapshot.cases.get(message.caseId);
    let why: string;
    if (c === undefined) why = 'NO_CASE';
    else if (c.refund?.refundId === message.refundId && c.refund.status === 'APPLIED') why = 'ALREADY_APPLIED';
    else if (c.refund?.refundId !== message.refundId) why = 'SUPERSEDED_REFUND';
    else if (c.refund.status === 'CANCELLED') why = 'REFUND_CANCELLED';
    else why = `DUE_BUT_UNPAID (${c.refund.status})`;
    explained[why] = (explained[why] ?? 0) + 1;
    if (why === 'NO_CASE' || why.startsWith('DUE_BUT_UNPAID'))
      violations.push(`DLQ message ${letter.messageId} for refund ${message.refundId}: ${why}`);
  }
  const reasons = Object.entries(explained)
    .map(([k, n]) => `${k} ×${n}`)
    .join(', ');
  return result(
    'every dead-lettered message is accounted for',
    violations,
    letters.length === 0 ? 'the DLQ is empty' : `${letters.length} dead letters: ${reasons}`,
    { deadLetters: letters.length, ...explained },
  );
}

/**
 * No well-formed request was answered 5xx (or not at all), except while DynamoDB was being
 * throttled on purpose (then the SDK's retries can run out, as they would in AWS); those
 * must have succeeded on a marketplace retry.
 */
export function checkNo5xx(records: readonly RequestRecord[], windows: readonly FaultWindowRecord[], model: WebhookModel): InvariantResult {
  const violations: string[] = [];
  const throttles = windows.filter((w) => w.kind === 'dynamodbThrottle');
  let duringThrottle = 0;
  let outside = 0;
  let wellFormed = 0;
  for (const r of records) {
    if (!r.wellFormed) continue;
    wellFormed += 1;
    if (r.status !== 0 && r.status < 500) continue;
    const overlapped = throttles.some((w) => r.startedAt <= w.end + THROTTLE_ATTRIBUTION_GRACE_MS && r.endedAt >= w.start);
    if (overlapped) {
      duringThrottle += 1;
    } else {
      outside += 1;
      violations.push(
        `${r.kind} answered ${r.status === 0 ? 'nothing' : r.status} at ${new Date(r.startedAt).toISOString()} outside any throttle window`,
      );
    }
  }
  for (const u of model.unanswered)
    violations.push(`${u.kind} delivery ${u.deliveryId} still ${u.lastStatus || 'unanswered'} after ${'retries'}`);
  return result(
    'no well-formed request got a 5xx',
    violations,
    `${wellFormed} well-formed requests: ${outside} 5xx/no answer outside fault windows, ${duringThrottle} inside DynamoDB throttle windows (all retried to success: ${model.unanswered.length === 0 ? 'yes' : 'no'})`,
    { wellFormed, outsideWindows: outside, duringThrottle, unansweredAfterRetries: model.unanswered.length },
  );
}

/** Every malformed or badly signed request got a 4xx and wrote nothing. */
export function checkMalformedWroteNothing(
  snapshot: TableSnapshot,
  model: WebhookModel,
  staffWrongRefusals: readonly string[] = [],
): InvariantResult {
  const violations: string[] = [
    ...model.wrongRefusals.map((w) => `${w.kind} (${w.variant}) answered ${w.status || 'nothing'}, expected a 4xx`),
    ...staffWrongRefusals,
  ];
  for (const m of model.mustWriteNothing) {
    if (m.caseId !== undefined && snapshot.cases.has(m.caseId)) violations.push(`${m.kind} created case ${m.caseId}`);
    if (m.deliveryId !== undefined && snapshot.deliveries.has(deliveryKey(m.marketplace, m.deliveryId).pk))
      violations.push(`${m.kind} recorded delivery ${m.deliveryId}`);
  }
  return result(
    'every malformed request got a 4xx and wrote nothing',
    violations,
    `${model.mustWriteNothing.length} refused requests checked (answers, case ids, delivery ids)`,
    { refusedRequests: model.mustWriteNothing.length, wrongAnswers: model.wrongRefusals.length + staffWrongRefusals.length },
  );
}
