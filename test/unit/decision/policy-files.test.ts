import { describe, expect, it } from 'vitest';
import { StaticPolicyProvider } from '#lib/adapters/static-policy-provider.ts';
import { decide } from '#lib/decision/decide.ts';
import { marketplacePolicies, sellerPolicyOverrides } from '#lib/decision/marketplace-policies.ts';
import { InvalidPolicyError, defaultPolicy, parsePolicy, parseSellerOverride, policyVersionOf } from '#lib/decision/policy.ts';
import { day, makeFacts } from '#test/support/facts-factory.ts';

const provider = new StaticPolicyProvider(marketplacePolicies, defaultPolicy, sellerPolicyOverrides);

describe('policies as data', () => {
  it('ships a Shopify policy that differs from the default in window, bands and authority limits', () => {
    const shopify = provider.policyFor('shopify');
    expect(shopify.marketplace).toBe('shopify');
    expect(shopify.version).toMatch(/^\d{4}-\d{2}-\d{2}\.\d+$/);
    expect(shopify.returnWindow.defaultDays).not.toBe(defaultPolicy.returnWindow.defaultDays);
    expect(shopify.compensation.EUR).not.toEqual(defaultPolicy.compensation.EUR);
    expect(shopify.authorityLimits.EUR).not.toEqual(defaultPolicy.authorityLimits.EUR);
    expect(provider.policyFor('some-other-marketplace')).toBe(defaultPolicy);
  });

  it('merges a seller override and names both versions on the decision', () => {
    const merged = provider.policyFor('shopify', 'shop-nordic-outdoor');
    expect(merged.returnWindow.defaultDays).toBe(60);
    expect(merged.noReasonReturnShippingPaidBy).toBe('SELLER');
    expect(merged.compensation).toEqual(provider.policyFor('shopify').compensation);
    const facts = makeFacts({
      reason: 'BUYER_NO_REASON_RETURN',
      money: { currency: 'EUR', itemValue: 5_900, amountPaid: 6_400, shippingCost: 500 },
      timeline: { claimedAt: day(50), decidedAt: day(50.1) },
    });
    const d = decide(facts, merged);
    expect(d.policyVersion).toBe(`${merged.version}+seller:shop-nordic-outdoor@2026-12-03.1`);
    expect(d.policyVersion).toBe(policyVersionOf(merged));
    expect(d.allocation).toEqual({ kind: 'NO_FAULT' });
    expect(d.returnShippingPaidBy).toBe('SELLER');
    // The same claim under the marketplace policy alone is outside its 30-day window.
    expect(decide(facts, provider.policyFor('shopify')).recommendedRemedy).toBe('REJECT');
    // Another seller on the same marketplace is not affected.
    expect(provider.policyFor('shopify', 'someone-else')).toBe(provider.policyFor('shopify'));
  });

  it('an override on the default policy applies wherever the default is in force', () => {
    expect(provider.policyFor('unknown-marketplace', 'seller-appliances-01').repair.overrunLimitDays).toBe(3);
  });

  it('rejects at load an override with an unknown key, a bad section or another marketplace', () => {
    const base = provider.policyFor('shopify');
    const ok = { sellerId: 's-1', marketplace: 'shopify', version: '2026-12-03.1' };
    expect(() => parseSellerOverride({ ...ok, transit: {} }, base)).toThrow(/not overridable/);
    expect(() => parseSellerOverride({ ...ok, returnWindow: { defaultDays: 900, honourListingWindow: true } }, base)).toThrow(
      InvalidPolicyError,
    );
    expect(() => parseSellerOverride({ ...ok, marketplace: 'default' }, base)).toThrow(/applied to the shopify policy/);
    expect(() => parseSellerOverride({ ...ok, version: 'v2' }, base)).toThrow(InvalidPolicyError);
    expect(() => new StaticPolicyProvider(marketplacePolicies, defaultPolicy, [ok, ok])).toThrow(/two policy overrides/);
  });

  it('older policy files without the judgement v2 sections still load, with the default limits', () => {
    const { parcelSilence: _s, repair: _r, ...older } = defaultPolicy;
    const parsed = parsePolicy(older);
    expect(parsed.parcelSilence).toEqual(defaultPolicy.parcelSilence);
    expect(parsed.repair).toEqual(defaultPolicy.repair);
  });
});
