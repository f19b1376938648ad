import { describe, expect, it } from 'vitest';
import { decide } from '#lib/decision/decide.ts';
import { DecisionSchema } from '#lib/decision/decision-schema.ts';
import { FactsSchema, factsFromReturn } from '#lib/decision/facts.ts';
import { defaultPolicy, parsePolicy } from '#lib/decision/policy.ts';
import { ReturnSchema } from '#lib/contract/return-payload.ts';
import { day, ev, makeFacts, notShipped, scan } from '#test/support/facts-factory.ts';

/**
 * Issue #17, one block per class the rule chain used to get wrong. The base case (see
 * facts-factory) is a CNY 311.00 order (299.00 item + 12.00 shipping) to another province.
 */
const PAID = 31_100;

function decided(facts: Parameters<typeof decide>[0], policy = defaultPolicy) {
  FactsSchema.parse(facts);
  const d = decide(facts, policy);
  DecisionSchema.parse(d);
  return d;
}

function fired(d: ReturnType<typeof decide>, ruleId: string) {
  return d.trace.find((t) => t.ruleId === ruleId && t.fired);
}

describe('parcel silence', () => {
  const silent = (decidedDay: number, region: 'SAME_CITY' | 'OTHER_PROVINCE' | 'CROSS_BORDER' = 'OTHER_PROVINCE') =>
    makeFacts({
      reason: 'LOGISTICS_LOST',
      requestedRemedy: 'FULL_REFUND',
      shippingRegion: region,
      timeline: { deliveredAt: undefined, promisedDeliveryAt: day(5), claimedAt: day(decidedDay - 0.5), decidedAt: day(decidedDay) },
      carrier: { events: [scan('PICKED_UP', 1), scan('IN_TRANSIT', 2)] },
    });

  it('no scan for longer than the route limit → lost: carrier fault, full refund, carrier claim', () => {
    const d = decided(silent(2 + 13));
    expect(d.outcome).toBe('DECIDED');
    expect(d.allocation).toMatchObject({ kind: 'FAULT', dominant: 'carrier' });
    expect(d.remedy).toBe('FULL_REFUND');
    expect(d.refund.amount).toBe(PAID);
    expect(d.carrierClaim).toBe(true);
    expect(fired(d, 'parcel-silence-lost')?.explanation).toContain('No carrier scan for 13 days');
  });

  it('a customer asking for a replacement gets a reship at the carrier’s cost', () => {
    const facts = silent(15);
    const d = decided({ ...facts, requestedRemedy: 'REPLACEMENT' });
    expect(d.remedy).toBe('RESHIP');
    expect(d.costBearer).toBe('CARRIER');
  });

  it('silence shorter than the route limit does not fire: the claim still needs a person', () => {
    const d = decided(silent(2 + 11));
    expect(fired(d, 'parcel-silence-lost')).toBeUndefined();
  });

  it('the days are policy data: a cross-border parcel waits longer', () => {
    expect(fired(decided(silent(2 + 20, 'CROSS_BORDER')), 'parcel-silence-lost')).toBeUndefined();
    expect(fired(decided(silent(2 + 26, 'CROSS_BORDER')), 'parcel-silence-lost')).toBeDefined();
    const strict = parsePolicy({
      ...defaultPolicy,
      parcelSilence: { lostAfterDays: { SAME_CITY: 3, OTHER_PROVINCE: 5, CROSS_BORDER: 10 } },
    });
    expect(fired(decided(silent(2 + 6), strict), 'parcel-silence-lost')).toBeDefined();
  });

  it('a damage exception is not movement, but a return to sender is', () => {
    const back = makeFacts({
      reason: 'LOGISTICS_LOST',
      timeline: { deliveredAt: undefined, claimedAt: day(19), decidedAt: day(20) },
      carrier: { events: [scan('PICKED_UP', 1), scan('RETURNED_TO_SENDER', 3)] },
    });
    expect(fired(decided(back), 'parcel-silence-lost')).toBeUndefined();
  });
});

describe('a carrier the buyer did not agree to', () => {
  it('the substitute carrier’s delay is the seller’s to bear', () => {
    const d = decided(
      makeFacts({
        reason: 'LOGISTICS_DELAYED',
        requestedRemedy: 'PARTIAL_REFUND',
        timeline: { deliveredAt: day(9), claimedAt: day(9.5), decidedAt: day(9.6) },
        carrier: { events: [scan('PICKED_UP', 1), scan('DELIVERED', 9)], notTheAgreedCarrier: true },
      }),
    );
    expect(d.allocation).toMatchObject({ kind: 'FAULT', dominant: 'seller', carrier: 0 });
    expect(d.costBearer).toBe('SELLER');
    expect(d.carrierClaim).toBe(false);
  });

  it('the substitute carrier’s transit damage is the seller’s to bear', () => {
    const d = decided(
      makeFacts({
        reason: 'LOGISTICS_DAMAGED_IN_TRANSIT',
        carrier: { events: [scan('PICKED_UP', 1), scan('EXCEPTION_DAMAGE', 2), scan('DELIVERED', 4)], notTheAgreedCarrier: true },
        evidence: [ev.packaging('CRUSHED', 'BUYER'), ev.product('DAMAGED', 'BUYER')],
      }),
    );
    expect(d.allocation).toMatchObject({ kind: 'FAULT', dominant: 'seller', carrier: 0 });
    expect(d.outcome).toBe('DECIDED');
    expect(fired(d, 'wrong-carrier-used')?.explanation).toContain('seller');
  });
});

describe('repairs', () => {
  const repairTicket = (repair: NonNullable<Parameters<typeof makeFacts>[0]>['repair'], decidedDay = 40) =>
    makeFacts({
      reason: 'PRODUCT_QUALITY_DEFECT',
      ticketType: 'REPAIR',
      requestedRemedy: 'FULL_REFUND',
      timeline: { claimedAt: day(decidedDay - 1), decidedAt: day(decidedDay) },
      repair,
    });

  it('seed 000: repair overran its promised completion, parts back-ordered → seller, full refund, product back', () => {
    const d = decided(
      repairTicket({
        status: 'IN_PROGRESS',
        startedAt: day(10),
        promisedCompletionAt: day(20),
        attempts: 1,
        failedAttempts: 0,
        partsBackordered: true,
      }),
    );
    expect(d.outcome).toBe('DECIDED');
    expect(d.allocation).toMatchObject({ kind: 'FAULT', dominant: 'seller' });
    expect(d.remedy).toBe('RETURN_AND_REFUND');
    expect(d.refund.amount).toBe(PAID);
    expect(d.returnShippingPaidBy).toBe('SELLER');
    expect(fired(d, 'repair-overrun')?.explanation).toMatch(/20 days past its promised completion.*back-ordered/);
  });

  it('two failed attempts → refund even before the promised date', () => {
    const d = decided(
      repairTicket(
        {
          status: 'IN_PROGRESS',
          startedAt: day(10),
          promisedCompletionAt: day(30),
          attempts: 2,
          failedAttempts: 2,
          partsBackordered: false,
        },
        20,
      ),
    );
    expect(d.outcome).toBe('DECIDED');
    expect(d.remedy).toBe('RETURN_AND_REFUND');
  });

  it('a repair inside its limits goes to a person, never an automatic refund', () => {
    const d = decided(
      repairTicket(
        {
          status: 'IN_PROGRESS',
          startedAt: day(10),
          promisedCompletionAt: day(30),
          attempts: 1,
          failedAttempts: 0,
          partsBackordered: false,
        },
        20,
      ),
    );
    expect(d.outcome).toBe('MANUAL_REVIEW');
  });

  it('the contract carries the repair into the facts', () => {
    const facts = factsFromReturn(
      ReturnSchema.parse({
        marketplaceReturnId: 'r-1',
        orderId: 'o-1',
        sellerId: 's-1',
        buyerRef: 'b-1',
        reason: 'PRODUCT_QUALITY_DEFECT',
        ticketType: 'REPAIR',
        timeline: { orderedAt: day(0), claimedAt: day(40) },
        money: { currency: 'CNY', itemValue: 29_900, amountPaid: 31_100 },
        shippingRegion: 'SAME_CITY',
        requestedRemedy: 'FULL_REFUND',
        listing: {},
        repair: { status: 'IN_PROGRESS', startedAt: day(10), promisedCompletionAt: day(20), attempts: 1 },
        items: [{ id: 'li-1', quantity: 2, reason: 'PRODUCT_MISSING_ITEMS', unitValue: 1_000 }],
      }),
      day(41),
    );
    expect(FactsSchema.parse(facts).repair).toEqual({
      status: 'IN_PROGRESS',
      startedAt: day(10),
      promisedCompletionAt: day(20),
      attempts: 1,
      failedAttempts: 0,
      partsBackordered: false,
    });
    expect(facts.lineItems).toEqual([{ quantity: 2, reason: 'PRODUCT_MISSING_ITEMS', unitValue: 1_000 }]);
  });
});

describe('missing items are refunded at their value, never above the amount paid', () => {
  it('350.00 parcel 70% lighter at delivery → carrier, 70% of the item value', () => {
    const d = decided(
      makeFacts({
        reason: 'PRODUCT_MISSING_ITEMS',
        requestedRemedy: 'PARTIAL_REFUND',
        money: { itemValue: 35_000, amountPaid: 35_000, shippingCost: 0 },
        carrier: { weightAtPickupGrams: 10_000, weightAtDeliveryGrams: 3_000 },
      }),
    );
    expect(d.allocation).toMatchObject({ kind: 'FAULT', dominant: 'carrier' });
    expect(d.remedy).toBe('PARTIAL_REFUND');
    expect(d.refund.amount).toBe(24_500);
  });

  it('returned line items price the missing units (seller did not pack them)', () => {
    const d = decided(
      makeFacts({
        reason: 'PRODUCT_MISSING_ITEMS',
        requestedRemedy: 'PARTIAL_REFUND',
        carrier: { weightAtPickupGrams: 2_000, weightAtDeliveryGrams: 2_000 },
        evidence: [ev.product('MISSING_PARTS', 'BUYER')],
        lineItems: [
          { quantity: 2, reason: 'PRODUCT_MISSING_ITEMS', unitValue: 4_500 },
          { quantity: 1, reason: 'PRODUCT_QUALITY_DEFECT', unitValue: 20_000 },
        ],
      }),
    );
    expect(d.allocation).toMatchObject({ kind: 'FAULT', dominant: 'seller' });
    expect(d.refund.amount).toBe(9_000);
  });

  it('a value above the amount paid is capped at the amount paid', () => {
    const d = decided(
      makeFacts({
        reason: 'PRODUCT_MISSING_ITEMS',
        requestedRemedy: 'PARTIAL_REFUND',
        evidence: [ev.product('MISSING_PARTS', 'BUYER')],
        lineItems: [{ quantity: 50, reason: 'PRODUCT_MISSING_ITEMS', unitValue: 10_000 }],
      }),
    );
    expect(d.refund.amount).toBe(PAID);
  });
});

describe('a buyer’s own address error, confirmed by the carrier', () => {
  it('carrier address check and a return to sender → decided, buyer fault, outbound shipping deducted', () => {
    const d = decided(
      makeFacts({
        reason: 'LOGISTICS_LOST',
        requestedRemedy: 'FULL_REFUND',
        timeline: { deliveredAt: undefined, claimedAt: day(8), decidedAt: day(8.1) },
        carrier: { events: [scan('PICKED_UP', 1), scan('DELIVERY_ATTEMPT_FAILED', 3), scan('RETURNED_TO_SENDER', 4)] },
        evidence: [ev.address('ADDRESS_AS_GIVEN_BY_BUYER_WRONG', 'CARRIER')],
      }),
    );
    expect(d.outcome).toBe('DECIDED');
    expect(d.allocation).toMatchObject({ kind: 'FAULT', dominant: 'buyer' });
    expect(d.refund.deductions.map((x) => x.code)).toEqual(['OUTBOUND_SHIPPING']);
    expect(d.refund.amount).toBe(PAID - 1_200);
  });

  it('without the carrier’s own scans to back it, the carrier’s word alone goes to a person', () => {
    const d = decided(
      makeFacts({
        reason: 'LOGISTICS_LOST',
        timeline: { deliveredAt: undefined, claimedAt: day(8), decidedAt: day(8.1) },
        carrier: { events: [scan('PICKED_UP', 1)] },
        evidence: [ev.address('ADDRESS_AS_GIVEN_BY_BUYER_WRONG', 'CARRIER')],
      }),
    );
    expect(d.outcome).toBe('MANUAL_REVIEW');
  });
});

describe('rights, not faults', () => {
  it('cancellation before shipping → no fault, full refund', () => {
    const d = decided(makeFacts({ reason: 'BUYER_CANCEL_BEFORE_SHIPPING', requestedRemedy: 'FULL_REFUND', ...notShipped }));
    expect(d.allocation).toEqual({ kind: 'NO_FAULT' });
    expect(d.outcome).toBe('DECIDED');
    expect(d.refund.amount).toBe(PAID);
    expect(d.costBearer).toBe('NONE');
  });

  it('no-reason return inside the window → no fault', () => {
    const d = decided(makeFacts({ reason: 'BUYER_NO_REASON_RETURN', requestedRemedy: 'RETURN_AND_REFUND' }));
    expect(d.allocation).toEqual({ kind: 'NO_FAULT' });
    expect(d.outcome).toBe('DECIDED');
  });
});
