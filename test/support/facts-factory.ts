import fc from 'fast-check';
import { reasonCodes } from '#lib/contract/reason-codes.ts';
import {
  deliveryInspections,
  evidenceSubmitters,
  requestedRemedies,
  safetyHazards,
  shippingRegions,
  ticketTypes,
  trackingEventTypes,
} from '#lib/contract/return-payload.ts';
import type { FactEvidence, Facts } from '#lib/decision/facts.ts';

/**
 * Facts for tests: one realistic base case (a CNY 299 appliance, shipped on time, delivered
 * on day 4, claimed on day 5) that each scenario bends with a few overrides, instead of
 * copied JSON blobs.
 */

export const T0_MS = Date.parse('2026-10-01T08:00:00.000Z');
const HOUR_MS = 3_600_000;

/** ISO time `days` (fractions allowed) after the base order time. */
export function day(days: number): string {
  return new Date(T0_MS + days * 24 * HOUR_MS).toISOString();
}

type Timeline = Facts['timeline'];
type Carrier = Facts['carrier'];

/** Per-section overrides; `undefined` removes an optional field (e.g. `deliveredAt: undefined`). */
export interface FactsOverrides {
  reason?: Facts['reason'];
  ticketType?: Facts['ticketType'];
  requestedRemedy?: Facts['requestedRemedy'];
  requestedAmount?: number | undefined;
  safetyHazard?: Facts['safetyHazard'];
  timeline?: { [K in keyof Timeline]?: Timeline[K] | undefined };
  money?: Partial<Facts['money']>;
  shippingRegion?: Facts['shippingRegion'];
  carrier?: { [K in keyof Carrier]?: Carrier[K] | undefined };
  deliveryInspection?: Facts['deliveryInspection'];
  evidence?: FactEvidence[];
  listing?: Facts['listing'];
  buyer?: Partial<Facts['buyer']>;
  seller?: Facts['seller'];
  lineItems?: Facts['lineItems'];
  repair?: Facts['repair'];
}

function withoutUndefined<T extends object>(o: T): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
  return out as T;
}

/** The base case with overrides applied section by section. */
export function makeFacts(o: FactsOverrides = {}): Facts {
  const timeline = withoutUndefined({
    orderedAt: day(0),
    promisedShipBy: day(2),
    shippedAt: day(1),
    promisedDeliveryAt: day(5),
    deliveredAt: day(4),
    claimedAt: day(5),
    decidedAt: day(5.05),
    ...o.timeline,
  }) as Timeline;
  const carrier = withoutUndefined({
    code: 'SF-EXPRESS',
    events: [scan('PICKED_UP', 1), scan('IN_TRANSIT', 2), scan('DELIVERED', 4)],
    notTheAgreedCarrier: false,
    ...o.carrier,
  }) as Carrier;
  return withoutUndefined({
    reason: o.reason ?? 'PRODUCT_QUALITY_DEFECT',
    ticketType: o.ticketType ?? 'RETURN',
    requestedRemedy: o.requestedRemedy ?? 'RETURN_AND_REFUND',
    requestedAmount: o.requestedAmount,
    safetyHazard: o.safetyHazard ?? 'NONE',
    timeline,
    money: { currency: 'CNY', itemValue: 29_900, amountPaid: 31_100, shippingCost: 1_200, ...o.money },
    shippingRegion: o.shippingRegion ?? 'OTHER_PROVINCE',
    carrier,
    deliveryInspection: o.deliveryInspection ?? 'UNKNOWN',
    evidence: o.evidence ?? [],
    listing: o.listing ?? {},
    buyer: { priorAbuse: false, ...o.buyer },
    seller: o.seller ?? {},
    lineItems: o.lineItems,
    repair: o.repair,
  }) as Facts;
}

/** Timeline and scans of a parcel that never left the seller. */
export const notShipped: Pick<FactsOverrides, 'timeline' | 'carrier'> = {
  timeline: { shippedAt: undefined, deliveredAt: undefined, claimedAt: day(1), decidedAt: day(1.05) },
  carrier: { events: [] },
};

export function scan(type: Carrier['events'][number]['type'], atDay: number, weightGrams?: number): Carrier['events'][number] {
  return weightGrams === undefined ? { type, at: day(atDay) } : { type, at: day(atDay), weightGrams };
}

type By = FactEvidence['submittedBy'];
type FindingOf<K extends FactEvidence['kind']> = Extract<FactEvidence, { kind: K }>['finding'];

export const ev = {
  packaging: (finding: FindingOf<'PACKAGING_PHOTO'>, submittedBy: By = 'BUYER'): FactEvidence => ({
    kind: 'PACKAGING_PHOTO',
    finding,
    submittedBy,
  }),
  product: (finding: FindingOf<'PRODUCT_PHOTO'>, submittedBy: By = 'BUYER'): FactEvidence => ({
    kind: 'PRODUCT_PHOTO',
    finding,
    submittedBy,
  }),
  installer: (finding: FindingOf<'INSTALLER_REPORT'>, submittedBy: By = 'INSTALLER'): FactEvidence => ({
    kind: 'INSTALLER_REPORT',
    finding,
    submittedBy,
  }),
  serial: (finding: FindingOf<'SERIAL_CHECK'>, submittedBy: By = 'BUYER'): FactEvidence => ({
    kind: 'SERIAL_CHECK',
    finding,
    submittedBy,
  }),
  chat: (finding: FindingOf<'PRESALE_CHAT'>, submittedBy: By = 'BUYER'): FactEvidence => ({
    kind: 'PRESALE_CHAT',
    finding,
    submittedBy,
  }),
  address: (finding: FindingOf<'ADDRESS_CHECK'>, submittedBy: By = 'MARKETPLACE'): FactEvidence => ({
    kind: 'ADDRESS_CHECK',
    finding,
    submittedBy,
  }),
};

/* ------------------------------------------------------------------------------------------ */
/* Arbitrary facts for property tests                                                          */
/* ------------------------------------------------------------------------------------------ */

const DAY_MS = 24 * HOUR_MS;
const iso = (ms: number) => new Date(ms).toISOString();
const submitterArb = fc.constantFrom(...evidenceSubmitters);

/** Any piece of evidence: every kind, every finding, every submitter. */
export const evidenceArb: fc.Arbitrary<FactEvidence> = fc.oneof(
  fc.record({
    kind: fc.constant('PACKAGING_PHOTO' as const),
    finding: fc.constantFrom('INTACT', 'CRUSHED', 'TORN', 'WET' as const),
    submittedBy: submitterArb,
  }),
  fc.record({
    kind: fc.constant('PRODUCT_PHOTO' as const),
    finding: fc.constantFrom('DAMAGED', 'DEFECTIVE', 'WRONG_ITEM', 'MISSING_PARTS', 'NOT_AS_PICTURED', 'FINE' as const),
    submittedBy: submitterArb,
  }),
  fc.record({
    kind: fc.constant('INSTALLER_REPORT' as const),
    finding: fc.constantFrom('DEFECT_FOUND', 'MISUSE_FOUND', 'NO_FAULT' as const),
    submittedBy: submitterArb,
  }),
  fc.record({
    kind: fc.constant('SERIAL_CHECK' as const),
    finding: fc.constantFrom('MATCH', 'MISMATCH' as const),
    submittedBy: submitterArb,
  }),
  fc.record({
    kind: fc.constant('PRESALE_CHAT' as const),
    finding: fc.constantFrom('MISLEADING_ADVICE', 'ACCURATE_ADVICE' as const),
    submittedBy: submitterArb,
  }),
  fc.record({
    kind: fc.constant('ADDRESS_CHECK' as const),
    finding: fc.constantFrom('ADDRESS_AS_GIVEN_BY_BUYER_WRONG', 'ADDRESS_CORRECT', 'BUYER_UNREACHABLE' as const),
    submittedBy: submitterArb,
  }),
);

const optional = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
const offsetMs = (maxDays: number) => fc.integer({ min: 0, max: maxDays * DAY_MS });

/**
 * Valid facts, broadly: every reason code, remedy, hazard and region; optional timeline parts
 * in any combination that respects the schema's ordering; random scans, weights and evidence;
 * currencies with and without policy bands.
 */
export const factsArb: fc.Arbitrary<Facts> = fc
  .record({
    reason: fc.constantFrom(...reasonCodes),
    ticketType: fc.constantFrom(...ticketTypes),
    requestedRemedy: fc.constantFrom(...requestedRemedies),
    requestedAmount: optional(fc.nat({ max: 1_000_000 })),
    safetyHazard: fc.constantFrom(...safetyHazards),
    orderedMs: fc.integer({ min: T0_MS - 400 * DAY_MS, max: T0_MS + 400 * DAY_MS }),
    shipOffset: optional(offsetMs(10)),
    deliverOffset: optional(offsetMs(15)),
    shipByOffset: optional(offsetMs(10)),
    promisedOffset: optional(offsetMs(15)),
    claimOffset: offsetMs(60),
    decideOffset: offsetMs(10),
    currency: fc.constantFrom('CNY', 'EUR', 'USD', 'JPY'),
    itemValue: fc.nat({ max: 10_000_000 }),
    amountPaid: fc.nat({ max: 10_000_000 }),
    shippingCost: fc.nat({ max: 20_000 }),
    shippingRegion: fc.constantFrom(...shippingRegions),
    events: fc.array(
      fc.record({
        type: fc.constantFrom(...trackingEventTypes),
        offset: offsetMs(20),
        weightGrams: optional(fc.integer({ min: 1, max: 50_000 })),
      }),
      { maxLength: 8 },
    ),
    weightAtPickupGrams: optional(fc.integer({ min: 1, max: 50_000 })),
    weightAtDeliveryGrams: optional(fc.integer({ min: 1, max: 50_000 })),
    notTheAgreedCarrier: fc.boolean(),
    deliveryInspection: fc.constantFrom(...deliveryInspections),
    evidence: fc.array(evidenceArb, { maxLength: 8 }),
    returnWindowDays: optional(fc.integer({ min: 0, max: 365 })),
    claimRate: optional(fc.double({ min: 0, max: 1, noNaN: true })),
    priorAbuse: fc.boolean(),
    defectRate: optional(fc.double({ min: 0, max: 1, noNaN: true })),
  })
  .map((r): Facts => {
    const shippedMs = r.shipOffset === undefined ? undefined : r.orderedMs + r.shipOffset;
    const deliveredMs = r.deliverOffset === undefined ? undefined : (shippedMs ?? r.orderedMs) + r.deliverOffset;
    const claimedMs = r.orderedMs + r.claimOffset;
    return makeFactsFrom({
      reason: r.reason,
      ticketType: r.ticketType,
      requestedRemedy: r.requestedRemedy,
      requestedAmount: r.requestedAmount,
      safetyHazard: r.safetyHazard,
      timeline: withoutUndefined({
        orderedAt: iso(r.orderedMs),
        shippedAt: shippedMs === undefined ? undefined : iso(shippedMs),
        promisedShipBy: r.shipByOffset === undefined ? undefined : iso(r.orderedMs + r.shipByOffset),
        promisedDeliveryAt: r.promisedOffset === undefined ? undefined : iso(r.orderedMs + r.promisedOffset),
        deliveredAt: deliveredMs === undefined ? undefined : iso(deliveredMs),
        claimedAt: iso(claimedMs),
        decidedAt: iso(claimedMs + r.decideOffset),
      }),
      money: { currency: r.currency, itemValue: r.itemValue, amountPaid: r.amountPaid, shippingCost: r.shippingCost },
      shippingRegion: r.shippingRegion,
      carrier: withoutUndefined({
        events: r.events.map((e) => withoutUndefined({ type: e.type, at: iso(r.orderedMs + e.offset), weightGrams: e.weightGrams })),
        weightAtPickupGrams: r.weightAtPickupGrams,
        weightAtDeliveryGrams: r.weightAtDeliveryGrams,
        notTheAgreedCarrier: r.notTheAgreedCarrier,
      }),
      deliveryInspection: r.deliveryInspection,
      evidence: r.evidence,
      listing: withoutUndefined({ returnWindowDays: r.returnWindowDays }),
      buyer: withoutUndefined({ claimRate: r.claimRate, priorAbuse: r.priorAbuse }),
      seller: withoutUndefined({ defectRate: r.defectRate }),
    });
  });

function makeFactsFrom(f: Facts & { requestedAmount?: number | undefined }): Facts {
  return withoutUndefined(f);
}
