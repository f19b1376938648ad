import { describe, expect, it } from 'vitest';
import { WebhookPayloadSchema } from '#lib/contract/return-payload.ts';
import { defaultPolicy } from '#lib/decision/policy.ts';
import { carrierShare, claimDueAt, fileWithinDays, syncCarrierClaim } from '#lib/workflow/carrier-claim.ts';
import { StaticPolicyProvider } from '#lib/adapters/static-policy-provider.ts';
import { marketplacePolicies, sellerPolicyOverrides } from '#lib/decision/marketplace-policies.ts';
import type { CaseRecord, HistoryEvent, LedgerLine } from '#lib/workflow/case.ts';
import { applyMarketplaceEvent } from '#lib/workflow/lifecycle.ts';
import { recoveryCsv, recoveryOf } from '#lib/workflow/recovery.ts';
import { aCancellation, aReturn, aWebhook, TEST_MARKETPLACE } from '#test/support/webhook-factory.ts';

/** The claim follows the case's ledger (#19): opened with carrier-borne cost, withdrawn when the return is cancelled. */

const NOW = '2026-11-06T09:00:00Z';
const ctx = { marketplace: TEST_MARKETPLACE, now: NOW, policy: defaultPolicy };

function transitDamage() {
  return aReturn({
    reason: 'LOGISTICS_DAMAGED_IN_TRANSIT',
    requestedRemedy: 'FULL_REFUND',
    carrier: { code: 'sf-express', trackingNumber: 'SF1', events: [{ type: 'EXCEPTION_DAMAGE', at: '2026-11-03T10:00:00Z' }] },
    evidence: [
      { id: 'ev-1', kind: 'PACKAGING_PHOTO', finding: 'CRUSHED', submittedBy: 'BUYER', submittedAt: NOW },
      { id: 'ev-2', kind: 'PRODUCT_PHOTO', finding: 'DAMAGED', submittedBy: 'BUYER', submittedAt: NOW },
    ],
  } as Parameters<typeof aReturn>[0]);
}

describe('carrier claim on the case', () => {
  it('opens with the decision (amount = the carrier’s share, due at its warning time) and is withdrawn when the return is cancelled', () => {
    const ret = transitDamage();
    const opened = applyMarketplaceEvent(undefined, WebhookPayloadSchema.parse(aWebhook('return.requested', ret)), ctx);
    if (opened.kind !== 'CHANGE') throw new Error(opened.reason);
    expect(opened.next.carrierClaim?.amount).toBe(carrierShare(opened.next.ledger));
    expect(claimDueAt(opened.next.carrierClaim)).toBe(opened.next.carrierClaim?.warnAt);
    const cancelled = applyMarketplaceEvent(
      opened.next,
      WebhookPayloadSchema.parse(aCancellation(ret, { occurredAt: '2026-11-07T09:00:00Z' })),
      {
        ...ctx,
        now: '2026-11-07T09:00:00Z',
      },
    );
    if (cancelled.kind !== 'CHANGE') throw new Error(cancelled.reason);
    expect(cancelled.next.status).toBe('CANCELLED');
    expect(cancelled.next.carrierClaim).toBeUndefined();
    expect(cancelled.events.map((e) => e.action)).toEqual(['RETURN_CANCELLED', 'CARRIER_CLAIM_WITHDRAWN']);
    expect(cancelled.events[1]?.details).toMatchObject({ reason: 'RETURN_CANCELLED' });
  });

  it('a filed claim stays as filed when a later decision changes the carrier’s share; the change is recorded once, for staff', () => {
    const opened = applyMarketplaceEvent(undefined, WebhookPayloadSchema.parse(aWebhook('return.requested', transitDamage())), ctx);
    if (opened.kind !== 'CHANGE' || opened.next.carrierClaim === undefined) throw new Error('no claim');
    const claim = opened.next.carrierClaim;
    const filed: CaseRecord = { ...opened.next, carrierClaim: { ...claim, state: 'FILED', filedAt: NOW, claimReference: 'SF-CLM-1' } };
    const halved: LedgerLine[] = (filed.ledger ?? []).map((l) =>
      l.kind === 'CARRIER_CLAIM' ? { ...l, amount: Math.floor(l.amount / 2) } : l,
    );
    const later = { ...filed, version: filed.version + 1, ledger: halved };
    const actor = { kind: 'SYSTEM', id: 'test' } as const;
    const out = syncCarrierClaim({ next: later, events: [] as HistoryEvent[] }, { now: NOW, policy: defaultPolicy, actor });
    expect(out.next.carrierClaim).toMatchObject({ state: 'FILED', amount: claim.amount, shareSinceFiling: carrierShare(halved) });
    expect(out.events.map((e) => [e.action, e.details])).toEqual([
      [
        'CARRIER_SHARE_CHANGED_AFTER_FILING',
        { claimId: claim.claimId, state: 'FILED', filedAmount: claim.amount, share: carrierShare(halved) },
      ],
    ]);
    // The same share again: nothing new is recorded.
    const again = syncCarrierClaim(
      { next: { ...out.next, version: out.next.version + 1 }, events: [] },
      { now: NOW, policy: defaultPolicy, actor },
    );
    expect(again.events).toEqual([]);
    // The recovery report keeps counting the filed amount, and shows the share now beside it.
    const row = recoveryOf(out.next);
    expect(row).toMatchObject({ carrierPending: claim.amount, claim: { amount: claim.amount, shareSinceFiling: carrierShare(halved) } });
    const [header, line] = recoveryCsv([row]).split('\r\n');
    expect(header?.split(',').at(-1)).toBe('claimShareSinceFiling');
    expect(line?.split(',').at(-1)).toBe(String(carrierShare(halved)));
    // Unchanged since filing: no such field, an empty column.
    expect(recoveryOf(filed).claim).not.toHaveProperty('shareSinceFiling');
    expect(
      recoveryCsv([recoveryOf(filed)])
        .split('\r\n')[1]
        ?.endsWith(','),
    ).toBe(true);
  });

  it('a seller defect opens none', () => {
    const out = applyMarketplaceEvent(undefined, WebhookPayloadSchema.parse(aWebhook('return.requested', aReturn())), ctx);
    if (out.kind !== 'CHANGE') throw new Error(out.reason);
    expect(carrierShare(out.next.ledger)).toBe(0);
    expect(out.next.carrierClaim).toBeUndefined();
  });
});

describe('claim windows per carrier, from the shipped policies (#19)', () => {
  const shopify = new StaticPolicyProvider(marketplacePolicies, defaultPolicy, sellerPolicyOverrides).policyFor('shopify', 'any-seller');

  it.each([
    ['UPS', 60],
    ['FedEx', 60],
    ['USPS', 60],
    ['DHL-Express', 30],
    ['dhl-express', 30],
    ['DHL', 30],
    ['Canada-Post', 60],
    ['UNKNOWN', 60],
  ])('Shopify: %s has %i days to file', (carrier, days) => {
    expect(fileWithinDays(shopify, carrier)).toBe(days);
  });

  it('the claim of a DHL Express parcel is due 30 days after shipment, warned a week before', () => {
    const shipped = '2026-11-02T10:00:00.000Z';
    const ret = transitDamage();
    const dhl = { ...ret, carrier: { ...ret.carrier, code: 'DHL-Express' }, timeline: { ...ret.timeline, shippedAt: shipped } };
    const opened = applyMarketplaceEvent(undefined, WebhookPayloadSchema.parse(aWebhook('return.requested', dhl)), {
      ...ctx,
      policy: shopify,
    });
    if (opened.kind !== 'CHANGE' || opened.next.carrierClaim === undefined) throw new Error('no claim');
    expect(opened.next.carrierClaim).toMatchObject({
      carrier: 'DHL-Express',
      fileBy: '2026-12-02T10:00:00.000Z',
      warnAt: '2026-11-25T10:00:00.000Z',
      policyVersion: shopify.version,
    });
  });

  it('the default (no carrier named in it) and an own-property name such as `constructor` fall back to the default window', () => {
    expect(fileWithinDays(defaultPolicy, 'sf-express')).toBe(defaultPolicy.carrierClaims.defaultFileWithinDays);
    expect(fileWithinDays(shopify, 'constructor')).toBe(60);
    expect(fileWithinDays(shopify, '__proto__')).toBe(60);
  });
});
