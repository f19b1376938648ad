import { describe, expect, it } from 'vitest';
import { caseTable, DUE_INDEX_PROJECTION, SELLER_INDEX_PROJECTION } from '#infra/definitions.ts';
import {
  caseKey,
  deliveryKey,
  dueListingOf,
  eventKey,
  fromCaseItem,
  fromEventItem,
  fromHeldItem,
  fromOutboxItem,
  heldEventKey,
  heldGuardKey,
  indexEntryOf,
  isHistoryPosition,
  isSellerPosition,
  itemKindOf,
  notificationAttemptKey,
  notificationKey,
  listingItemOf,
  openDeadlineIndex,
  outboxKey,
  pendingOutboxIndex,
  sellerDueIndex,
  sellerPositionOf,
  toCaseItem,
  toDeliveryItem,
  toEventItem,
  toHeldEventItem,
  toHeldGuardItem,
  toOutboxItem,
} from '#lib/adapters/dynamodb/table-schema.ts';
import { toCaseSummary } from '#lib/http/case-views.ts';
import { dueCaseOf } from '#lib/workflow/escalation.ts';
import { newCaseCommit } from '#test/support/case-factory.ts';

/**
 * The single table's item layout, engine-free: every key reads back as what it is, every
 * mapper round-trips, and the index attributes the mappers write are the keys infra/
 * definitions.ts gives the indexes. The engines prove the rest in test/integration.
 */

const NOW = '2026-11-06T10:00:00.000Z';
const due = newCaseCommit({ shape: 'NEEDS_REVIEW' }, { now: NOW });
const pending = newCaseCommit({ shape: 'REFUND_PENDING' }, { now: NOW });

describe('single-table keys', () => {
  it('every key reads back as the item it names, with its ids', () => {
    expect(itemKindOf(caseKey('cs_1'))).toEqual({ kind: 'CASE', caseId: 'cs_1' });
    expect(itemKindOf(eventKey({ caseId: 'cs_1', version: 3, seq: 1 }))).toEqual({ kind: 'EVENT', caseId: 'cs_1' });
    expect(itemKindOf(outboxKey('cs_1', 'rf_cs_1_2'))).toEqual({ kind: 'OUTBOX', caseId: 'cs_1', refundId: 'rf_cs_1_2' });
    expect(itemKindOf(heldGuardKey('cs_1'))).toEqual({ kind: 'HELD', caseId: 'cs_1' });
    expect(itemKindOf(heldEventKey('cs_1', 2))).toEqual({ kind: 'HELD', caseId: 'cs_1' });
    expect(itemKindOf(deliveryKey('shopify', 'd-1'))).toEqual({ kind: 'DELIVERY' });
    expect(itemKindOf({ pk: 'SOMETHING#1', sk: 'ELSE' })).toEqual({ kind: 'UNKNOWN' });
  });

  it('keys use the attribute names of the table definition', () => {
    expect(Object.keys(caseKey('cs_1')).sort()).toEqual([caseTable.partitionKey.name, caseTable.sortKey.name].sort());
  });

  it('history sorts by version, then by the order of events within one write', () => {
    const keys = [
      { caseId: 'c', version: 10, seq: 0 },
      { caseId: 'c', version: 2, seq: 11 },
      { caseId: 'c', version: 2, seq: 3 },
    ].map((e) => eventKey(e).sk);
    expect([...keys].sort()).toEqual([keys[2], keys[1], keys[0]]);
  });

  it('a history position is the sort key of an event or a delivery attempt, and of nothing else in the partition', () => {
    // What GET /cases/{id}/history resumes from: every history item's key is one, at the edges
    // of its number widths too; the case, held, outbox and notification items' keys are not.
    for (const key of [
      eventKey({ caseId: 'c', version: 1, seq: 0 }),
      eventKey({ caseId: 'c', version: 9_999_999_999, seq: 999 }),
      notificationAttemptKey('c', 1, 0, 1),
      notificationAttemptKey('c', 9_999_999_999, 99, 9_999),
    ]) {
      expect(isHistoryPosition(key[caseTable.sortKey.name]), key.sk).toBe(true);
    }
    for (const key of [caseKey('c'), heldGuardKey('c'), heldEventKey('c', 2), outboxKey('c', 'rf_c_1'), notificationKey('c', 3, 0)]) {
      expect(isHistoryPosition(key[caseTable.sortKey.name]), key.sk).toBe(false);
    }
    for (const junk of ['', 'EVENT#', 'EVENT#1#0', 'EVENT#0000000001#000#', 'EVENT#0000000001', 'event#0000000001#000']) {
      expect(isHistoryPosition(junk), junk).toBe(false);
    }
  });
});

describe('item mappers', () => {
  it('a case round-trips through its item, which carries the seller listing and, while due, the due index attributes', () => {
    const item = toCaseItem(due.next);
    expect(fromCaseItem(item)).toEqual(due.next);
    expect(item).toHaveProperty(sellerDueIndex.partitionKey.name);
    expect(item).toHaveProperty(sellerDueIndex.sortKey.name);
    expect(item).toHaveProperty(openDeadlineIndex.partitionKey.name);
    expect(item).toHaveProperty(openDeadlineIndex.sortKey.name, due.next.dueAt);
  });

  it('a case waiting for the machine is not in the due index', () => {
    const item = toCaseItem(pending.next);
    expect(fromCaseItem(item)).toEqual(pending.next);
    expect(indexEntryOf(openDeadlineIndex, item)).toBeUndefined();
    expect(indexEntryOf(sellerDueIndex, item)).toBeDefined();
  });

  it('events, outbox records, deliveries and held events round-trip', () => {
    for (const event of due.events) expect(fromEventItem(toEventItem(event))).toEqual(event);
    const outbox = pending.outbox;
    if (outbox === undefined) throw new Error('a REFUND_PENDING case has an outbox record');
    const outboxItem = toOutboxItem(outbox);
    expect(fromOutboxItem(outboxItem)).toEqual(outbox);
    expect(itemKindOf(outboxItem)).toEqual({ kind: 'OUTBOX', caseId: outbox.caseId, refundId: outbox.refundId });
    expect(indexEntryOf(pendingOutboxIndex, outboxItem)).toMatchObject({ caseId: outbox.caseId, message: outbox.message });

    const delivery = { marketplace: 'm1', deliveryId: 'd-1', caseId: 'cs_1', payloadHash: 'h', receivedAt: NOW };
    const alias = toDeliveryItem(delivery, 'd-1-alias');
    expect(alias).toMatchObject(deliveryKey('m1', 'd-1-alias'));
    expect(alias[caseTable.timeToLiveAttribute]).toBeGreaterThan(Date.parse(NOW) / 1000);
    expect(itemKindOf(alias)).toEqual({ kind: 'DELIVERY' });

    const held = {
      caseId: 'cs_1',
      seq: 2,
      marketplace: 'm1',
      deliveryId: 'd-2',
      eventType: 'return.cancelled',
      receivedAt: NOW,
      parsed: '{}',
    };
    expect(fromHeldItem(toHeldEventItem(held, 1))).toEqual({ event: held });
    expect(fromHeldItem(toHeldGuardItem('cs_1', 4, 1))).toEqual({ guardVersion: 4 });
  });
});

describe('index entries', () => {
  it('a bySellerDue entry, as the index projects it, is the listing item the seller API shows', () => {
    const entry = indexEntryOf(sellerDueIndex, toCaseItem(due.next));
    if (entry === undefined) throw new Error('every case is in bySellerDue');
    expect(Object.keys(entry).every((k) => [...SELLER_INDEX_PROJECTION, 'pk', 'sk', 'gsi1pk', 'gsi1sk'].includes(k))).toBe(true);
    expect(toCaseSummary(listingItemOf(entry))).toEqual(toCaseSummary(due.next));
    expect(isSellerPosition(sellerPositionOf(entry))).toBe(true);
  });

  it('a byOpenDeadline entry, as the index projects it, is the DueCase the sweep plans from', () => {
    const entry = indexEntryOf(openDeadlineIndex, toCaseItem(due.next));
    if (entry === undefined) throw new Error('a case needing review with a deadline is due-indexed');
    expect(Object.keys(entry).every((k) => [...DUE_INDEX_PROJECTION, 'pk', 'sk', 'deadlineShard', 'deadlineAt'].includes(k))).toBe(true);
    expect(dueListingOf(entry)).toEqual({ caseId: due.next.caseId, dueAt: due.next.dueAt, due: dueCaseOf(due.next) });
    // An entry written before escalation facts existed still names the case and its deadline.
    const { escalationFacts: _older, ...older } = entry;
    expect(dueListingOf(older)).toEqual({ caseId: due.next.caseId, dueAt: due.next.dueAt });
  });
});
