/**
 * Development only (the local runtime, tests, `npm run sign`): the shop whose deliveries the
 * local runtime accepts and the seller it belongs to (the sample seller). Never read in AWS,
 * where SHOPIFY_SHOPS comes from the stage's `shopifyShops`.
 */
export const DEV_SHOPIFY_SHOP = 'dispute-desk-dev.myshopify.com';
export const DEV_SHOPIFY_SELLER = 'SELLER-42';
