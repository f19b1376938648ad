import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ShopifyAdminReturnChannel } from '#lib/adapters/shopify-admin-return-channel.ts';
import { defaultPolicy } from '#lib/decision/policy.ts';
import { systemClock } from '#lib/ports/clock.ts';
import { overrideDecision } from '#lib/workflow/staff-actions.ts';
import type { NotificationChannels } from '#lib/ports/notifications.ts';
import { type ShopifyAdminStandin, shopifyStandinFetch, startShopifyAdminStandin } from '#local/shopify-admin-standin.ts';
import { type NotificationWorld, notificationWorld } from '#test/support/notification-world.ts';
import { seedCase } from '#test/support/staff-factory.ts';
import { TEST_MARKETPLACE } from '#test/support/webhook-factory.ts';

/**
 * For Shopify the decision is carried out through the Admin API (#21), not by webhook: a
 * decision that gives the buyer something approves the return request, a rejection declines
 * it with the buyer-facing words as its note, idempotently; a return already settled the other
 * way in Shopify is dead-lettered for a person, not retried.
 */

const SHOP = 'notify-shop.myshopify.com';
const TOKEN = 'shpat_notify_test';
const SELLER = 'seller-shopify-notify';
let standin: ShopifyAdminStandin;
let w: NotificationWorld;

beforeAll(async () => {
  standin = await startShopifyAdminStandin({ accessTokens: { [SHOP]: TOKEN } });
  const channel = new ShopifyAdminReturnChannel({
    shopOf: (sellerId) => (sellerId === SELLER ? SHOP : undefined),
    accessToken: async () => TOKEN,
    customFetchApi: shopifyStandinFetch(standin.url),
    timeoutMs: 2_000,
  });
  // The seeded cases are the test marketplace's; here it is answered through Shopify's API.
  const channels: NotificationChannels = { channelFor: async (m) => (m === TEST_MARKETPLACE ? { channel } : undefined) };
  w = await notificationWorld({ channels });
});
afterAll(async () => {
  await w.stop();
  await standin.stop();
});
beforeEach(() => standin.reset());

const gidOf = (returnId: string) => `gid://shopify/Return/${returnId}`;
const numericReturn = () => String(Math.floor(Math.random() * 1e12));

describe('Shopify: decisions carried out through the Admin API', () => {
  it('a decision that refunds approves the return request; the other notifications are Shopify’s own business', async () => {
    const c = await seedCase(w.store, { sellerId: SELLER, shape: 'AWAITING_RETURN', returnId: numericReturn() });
    await w.flush(systemClock);
    expect(standin.returns()[gidOf(c.marketplaceReturnId)]).toEqual({ status: 'OPEN' });
    const stored = await w.outbox.forCase(c.caseId);
    expect(stored.map((n) => [n.notification.type, n.state])).toEqual([
      ['case.decided', 'DELIVERED'],
      ['case.waiting_on_buyer', 'NOT_SENT'],
    ]);
    const delivered = (await w.store.getHistory(c.caseId)).find((e) => e.action === 'NOTIFICATION_DELIVERED');
    expect(delivered?.details).toMatchObject({ channel: 'shopify-admin', reference: `${gidOf(c.marketplaceReturnId)}:OPEN` });
  });

  it('already approved in Shopify: answered as done, nothing changed', async () => {
    const c = await seedCase(w.store, { sellerId: SELLER, shape: 'AWAITING_RETURN', returnId: numericReturn() });
    standin.setReturnStatus(gidOf(c.marketplaceReturnId), 'OPEN');
    await w.flush(systemClock);
    expect((await w.outbox.forCase(c.caseId))[0]).toMatchObject({ state: 'DELIVERED', attempts: 1 });
  });

  it('declined in Shopify meanwhile: cannot be approved now, so it is dead at once (no retries) for a person to settle', async () => {
    const c = await seedCase(w.store, { sellerId: SELLER, shape: 'AWAITING_RETURN', returnId: numericReturn() });
    standin.setReturnStatus(gidOf(c.marketplaceReturnId), 'DECLINED');
    await w.flush(systemClock);
    expect((await w.outbox.forCase(c.caseId))[0]).toMatchObject({ state: 'DEAD', attempts: 1 });
    const refused = (await w.store.getHistory(c.caseId)).find((e) => e.action === 'NOTIFICATION_REFUSED');
    expect(refused?.details.error).toContain('DECLINED');
  });

  it('a rejection declines the return request, with the buyer-facing words as its note', async () => {
    const c = await seedCase(w.store, { sellerId: SELLER, shape: 'AWAITING_APPROVAL', returnId: numericReturn() });
    const rejected = overrideDecision(
      c,
      {
        now: new Date().toISOString(),
        actor: { kind: 'STAFF', id: 'sup-1', role: 'supervisor' },
        role: 'supervisor',
        policy: defaultPolicy,
      },
      { remedy: 'REJECT', reason: 'outside the return window' },
    );
    await w.store.commit({ next: rejected.next, expectedVersion: c.version, events: rejected.events });
    await w.flush(systemClock);
    expect(standin.returns()[gidOf(c.marketplaceReturnId)]).toEqual({
      status: 'DECLINED',
      declineNote: 'Your request was declined.',
    });
  });

  it('Shopify down: retried, then approved', async () => {
    const c = await seedCase(w.store, { sellerId: SELLER, shape: 'AWAITING_RETURN', returnId: numericReturn() });
    standin.setFaults({ failNext: 1, failStatus: 503 });
    await w.relay();
    expect((await w.deliverVisible(systemClock)).failures).toBe(1);
    await w.deliverVisible(systemClock);
    expect(standin.returns()[gidOf(c.marketplaceReturnId)]).toEqual({ status: 'OPEN' });
  });
});
