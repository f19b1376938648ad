import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { decide } from '#lib/decision/decide.ts';
import { DecisionSchema, type Decision } from '#lib/decision/decision-schema.ts';
import { FactsSchema, formatIsoMs, parseIsoMs, type Facts } from '#lib/decision/facts.ts';
import { TimestampSchema } from '#lib/contract/return-payload.ts';
import { defaultPolicy, parsePolicy } from '#lib/decision/policy.ts';
import { evidenceSubmitters } from '#lib/contract/return-payload.ts';
import { factsArb } from '#test/support/facts-factory.ts';

/**
 * Invariants of the engine over broadly generated valid facts. Shares are whole basis points,
 * so comparisons between two decisions allow one basis point for the rounding remainder that
 * goes to the largest share.
 */

const BASIS_POINT = 1e-4;
const RUNS = { numRuns: 400 };
// The monotonicity properties hunt rare combinations (a witness plus a damage claim plus a
// second finding), so they get more runs; each run costs two decisions, a few microseconds.
const MANY_RUNS = { numRuns: 5_000 };

function share(d: Decision, party: 'carrier' | 'seller' | 'buyer'): number {
  return d.allocation.kind === 'NO_FAULT' ? 0 : d.allocation[party];
}

const carrierDamageArb = fc.oneof(
  fc.record({ kind: fc.constant('scan' as const), dayOffset: fc.integer({ min: 0, max: 20 }) }),
  fc.record({
    kind: fc.constant('photo' as const),
    finding: fc.constantFrom('CRUSHED' as const, 'TORN' as const, 'WET' as const),
    submittedBy: fc.constantFrom(...evidenceSubmitters),
  }),
);

function withCarrierDamage(facts: Facts, add: CarrierDamage): Facts {
  if (add.kind === 'scan') {
    const at = new Date(Date.parse(facts.timeline.orderedAt) + add.dayOffset * 86_400_000).toISOString();
    return { ...facts, carrier: { ...facts.carrier, events: [...facts.carrier.events, { type: 'EXCEPTION_DAMAGE', at }] } };
  }
  return {
    ...facts,
    evidence: [...facts.evidence, { kind: 'PACKAGING_PHOTO', finding: add.finding, submittedBy: add.submittedBy }],
  };
}
type CarrierDamage =
  | { kind: 'scan'; dayOffset: number }
  | { kind: 'photo'; finding: 'CRUSHED' | 'TORN' | 'WET'; submittedBy: (typeof evidenceSubmitters)[number] };

/** Evidence list, tracking scans, parcel weights and the door inspection all gone. */
function withoutEvidence(facts: Facts): Facts {
  const { weightAtPickupGrams: _p, weightAtDeliveryGrams: _d, ...carrier } = facts.carrier;
  return { ...facts, evidence: [], deliveryInspection: 'UNKNOWN', carrier: { ...carrier, events: [] } };
}

describe('decision engine properties', () => {
  test.prop([factsArb], RUNS)('the generator produces valid facts', (facts) => {
    expect(FactsSchema.safeParse(facts).error).toBeUndefined();
  });

  test.prop([factsArb], RUNS)('never throws and always returns a schema-valid decision', (facts) => {
    const d = decide(facts, defaultPolicy);
    expect(DecisionSchema.safeParse(d).error).toBeUndefined();
    expect(JSON.parse(JSON.stringify(d))).toEqual(d);
  });

  test.prop([factsArb], RUNS)('weights are non-negative and sum to exactly 1, or no fault', (facts) => {
    const d = decide(facts, defaultPolicy);
    for (const t of d.trace) {
      expect(t.contribution.carrier).toBeGreaterThanOrEqual(0);
      expect(t.contribution.seller).toBeGreaterThanOrEqual(0);
      expect(t.contribution.buyer).toBeGreaterThanOrEqual(0);
    }
    const a = d.allocation;
    if (a.kind === 'NO_FAULT') return;
    for (const s of [a.carrier, a.seller, a.buyer]) {
      expect(s).toBeGreaterThanOrEqual(0);
      expect(Number.isInteger(Math.round(s * 10_000))).toBe(true);
      expect(Math.abs(s * 10_000 - Math.round(s * 10_000))).toBeLessThan(1e-6);
    }
    expect(Math.round(a.carrier * 10_000) + Math.round(a.seller * 10_000) + Math.round(a.buyer * 10_000)).toBe(10_000);
    expect(Math.abs(a.carrier + a.seller + a.buyer - 1)).toBeLessThan(1e-9);
    expect(a[a.dominant]).toBe(Math.max(a.carrier, a.seller, a.buyer));
  });

  test.prop([factsArb], RUNS)('the refund is never above the amount paid and never negative', (facts) => {
    const { refund } = decide(facts, defaultPolicy);
    expect(Number.isInteger(refund.amount)).toBe(true);
    expect(refund.amount).toBeGreaterThanOrEqual(0);
    expect(refund.amount).toBeLessThanOrEqual(facts.money.amountPaid);
    expect(refund.gross).toBeLessThanOrEqual(facts.money.amountPaid);
    expect(refund.amount).toBe(refund.gross - refund.deductions.reduce((s, x) => s + x.amount, 0));
  });

  test.prop([factsArb, carrierDamageArb], MANY_RUNS)(
    "adding carrier damage evidence (damage scan or damaged-packaging photo) never lowers the carrier's share",
    (facts, add) => {
      const before = decide(facts, defaultPolicy);
      const after = decide(withCarrierDamage(facts, add), defaultPolicy);
      expect(share(after, 'carrier')).toBeGreaterThanOrEqual(share(before, 'carrier') - BASIS_POINT);
    },
  );

  test.prop([factsArb], MANY_RUNS)("removing all evidence never raises the buyer's share", (facts) => {
    const withEvidence = decide(facts, defaultPolicy);
    const without = decide(withoutEvidence(facts), defaultPolicy);
    expect(share(without, 'buyer')).toBeLessThanOrEqual(share(withEvidence, 'buyer') + BASIS_POINT);
  });

  test.prop([factsArb], RUNS)('same input gives the same output, trace included', (facts) => {
    const first = decide(facts, defaultPolicy);
    const second = decide(structuredClone(facts), defaultPolicy);
    expect(second).toEqual(first);
    expect(JSON.stringify(second)).toBe(JSON.stringify(first));
  });

  test.prop([factsArb, fc.double({ min: 0, max: 1, noNaN: true })], RUNS)(
    'a decision below the confidence threshold is always a manual review, never a silent verdict',
    (facts, threshold) => {
      const policy = parsePolicy({ ...defaultPolicy, manualReviewConfidenceThreshold: threshold });
      const d = decide(facts, policy);
      if (d.confidence < threshold) expect(d.outcome).toBe('MANUAL_REVIEW');
      if (d.outcome === 'DECIDED') {
        expect(d.remedy).toBe(d.recommendedRemedy);
        expect(d.reviewReasons).toEqual([]);
      } else {
        expect(d.remedy).toBe('MANUAL_REVIEW');
        expect(d.reviewReasons.length).toBeGreaterThan(0);
      }
    },
  );

  test.prop([factsArb], RUNS)('a witness alone never decides against the buyer', (facts) => {
    const d = decide(facts, defaultPolicy);
    if (d.outcome !== 'DECIDED' || d.allocation.kind !== 'FAULT' || d.allocation.dominant !== 'buyer') return;
    const decisive = d.trace.filter((t) => t.fired && t.contribution.buyer > 0 && t.signals?.witness !== true);
    expect(decisive.length).toBeGreaterThan(0);
  });

  test.prop([factsArb], RUNS)('history signals never change the allocation, only confidence', (facts) => {
    const risky = { ...facts, buyer: { ...facts.buyer, priorAbuse: true, claimRate: 1 } };
    const clean = { ...facts, buyer: { priorAbuse: false } };
    const a = decide(risky, defaultPolicy);
    const b = decide(clean, defaultPolicy);
    // Prior abuse also turns a serial mismatch into a fraud signal, which drops that rule's weight.
    if (facts.evidence.some((e) => e.kind === 'SERIAL_CHECK' && e.finding === 'MISMATCH')) return;
    expect(a.allocation).toEqual(b.allocation);
    expect(a.confidence).toBeLessThanOrEqual(b.confidence);
  });

  test.prop(
    [
      fc.date({ min: new Date('0100-01-01T00:00:00Z'), max: new Date('9998-12-31T23:59:59Z'), noInvalidDate: true }),
      fc.integer({ min: -14 * 60, max: 14 * 60 }),
      fc.integer({ min: 0, max: 9 }),
      fc.nat({ max: 999_999_999 }),
    ],
    { numRuns: 5_000 },
  )('the fast timestamp parser agrees with Date.parse on every accepted timestamp shape', (date, offset, fractionDigits, fraction) => {
    const local = new Date(date.getTime() + offset * 60_000).toISOString().slice(0, 19);
    const frac = fractionDigits === 0 ? '' : `.${String(fraction).padStart(9, '0').slice(0, fractionDigits)}`;
    const sign = offset < 0 ? '-' : '+';
    const abs = Math.abs(offset);
    const zone =
      offset === 0 && fraction % 2 === 0
        ? 'Z'
        : `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
    const iso = `${local}${frac}${zone}`;
    expect(TimestampSchema.safeParse(iso).success).toBe(true);
    expect(parseIsoMs(iso)).toBe(Date.parse(iso));
  });

  test.prop([fc.integer({ min: Date.parse('0000-01-01T00:00:00Z'), max: Date.parse('9999-12-31T23:59:59.999Z') })], {
    numRuns: 5_000,
  })('the fast timestamp formatter agrees with toISOString', (ms) => {
    expect(formatIsoMs(ms)).toBe(new Date(ms).toISOString());
  });
});
