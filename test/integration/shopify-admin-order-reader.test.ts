import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ShopifyAdminOrderReader, ShopifyOrderReadError } from '../../functions/lib/adapters/shopify-admin-order-reader.ts';
import { type ShopifyAdminStandin, shopifyStandinFetch, startShopifyAdminStandin } from '../../local/shopify-admin-standin.ts';

const SHOP = 'dev-shop.myshopify.com';
const TOKEN = 'shpat_test_token';

let standin: ShopifyAdminStandin;
const reader = (token = TOKEN) =>
  new ShopifyAdminOrderReader({ accessToken: async () => token, customFetchApi: shopifyStandinFetch(standin.url), timeoutMs: 1_000 });

beforeAll(async () => {
  standin = await startShopifyAdminStandin({ accessTokens: { [SHOP]: TOKEN } });
});
afterAll(async () => {
  await standin.stop();
});
beforeEach(() => standin.reset());

describe('ShopifyAdminOrderReader through @shopify/admin-api-client against the stand-in', () => {
  it('reads lines with prices, currency, shipping, dates and fulfilment tracking in minor units', async () => {
    const order = await reader().readOrder(SHOP, '820982911946154508');
    expect(order).toEqual({
      orderId: 'gid://shopify/Order/820982911946154508',
      currency: 'EUR',
      orderedAt: '2026-11-02T09:15:00Z',
      shippingCost: 490,
      lines: [
        { lineId: 'gid://shopify/LineItem/466157049', sku: 'KETTLE-01', quantity: 1, unitPrice: 4900 },
        { lineId: 'gid://shopify/LineItem/518995019', sku: 'MUG-02', quantity: 2, unitPrice: 850 },
      ],
      fulfilments: [
        {
          shippedAt: '2026-11-03T08:00:00Z',
          deliveredAt: '2026-11-05T14:30:00Z',
          carrier: 'DHL',
          trackingNumber: '00340434161094042557',
          scans: [
            { status: 'IN_TRANSIT', at: '2026-11-03T18:00:00Z' },
            { status: 'DELIVERED', at: '2026-11-05T14:30:00Z' },
          ],
        },
      ],
    });
  });

  it('an unknown order is null', async () => {
    expect(await reader().readOrder(SHOP, '1')).toBeNull();
  });

  it('Admin API down, or a wrong token, is an error, never an empty order', async () => {
    standin.setFaults({ failNext: 1 });
    await expect(reader().readOrder(SHOP, '820982911946154508')).rejects.toBeInstanceOf(ShopifyOrderReadError);
    await expect(reader('shpat_wrong').readOrder(SHOP, '820982911946154508')).rejects.toBeInstanceOf(ShopifyOrderReadError);
  });
});
