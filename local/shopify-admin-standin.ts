import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { readBody } from './read-body.ts';

/**
 * A local stand-in for the Shopify Admin GraphQL API (`POST /admin/api/<version>/graphql.json`,
 * `X-Shopify-Access-Token` checked), for the official `@shopify/admin-api-client` pointed at it
 * through its `customFetchApi` option (see `shopifyStandinFetch`). It answers only the operations
 * Dispute Desk sends, recognised by operation name, with Shopify's response shapes:
 *
 * - `query DisputeDeskOrder($id: ID!)`: `order(id)` with currency, shipping, dates, line items
 *   (prices) and fulfillments (tracking info, events);
 * - `mutation DisputeDeskRefund($input: RefundInput!)`: `refundCreate`, paid to the original
 *   transaction, recorded on the order with its note (our idempotency key lives in the note);
 * - `query DisputeDeskOrderRefunds($id: ID!)`: `order(id).refunds` (note, amount), which the
 *   provider reads before creating, so a replay or a lost answer never pays twice;
 * - `query DisputeDeskReverseFulfillmentOrder($id: ID!)`: `reverseFulfillmentOrder(id)` with its
 *   order's returns (to find the one it belongs to), line items and their dispositions, and its
 *   reverse deliveries' tracking (#15).
 *
 * Shopify's business refusals come back as `userErrors` (amount over the refundable total).
 * Fault controls as in local/payment-simulator.ts: `failNext` (HTTP `failStatus`, default 503),
 * `timeoutNext` (hold the call), `chargeThenFailNext` (refund, then answer 500).
 * Control endpoints: `POST /_control/faults`, `GET /_control/ledger`, `POST /_control/reset`,
 * `POST /_control/orders` (`{id, currencyCode, captured}`: an order to refund),
 * `POST /_control/reverse-fulfillment-orders` (a reverse fulfilment order of a return, see
 * StandinReverseFulfillmentOrderSchema).
 */

export const ShopifyStandinFaultsSchema = z.strictObject({
  failNext: z.int().min(0).optional(),
  failStatus: z.int().min(400).max(599).optional(),
  chargeThenFailNext: z.int().min(0).optional(),
  timeoutNext: z.int().min(0).optional(),
});
export type ShopifyStandinFaults = z.infer<typeof ShopifyStandinFaultsSchema>;

export type StandinMoney = { amount: string; currencyCode: string };
export type StandinOrder = {
  id: string;
  name: string;
  currencyCode: string;
  createdAt: string;
  processedAt: string;
  totalShipping: string;
  lineItems: { id: string; sku: string; title: string; quantity: number; unitPrice: string }[];
  fulfillments: {
    id: string;
    createdAt: string;
    deliveredAt: string | null;
    tracking: { company: string; number: string }[];
    events: { status: string; happenedAt: string }[];
  }[];
  /** The captured transaction refunds go back to. */
  transactionId: string;
  captured: string;
};
/** A reverse fulfilment order as the merchant's admin would hold it: its return, units, dispositions, tracking. */
export const StandinReverseFulfillmentOrderSchema = z.strictObject({
  id: z.string().regex(/^gid:\/\/shopify\/ReverseFulfillmentOrder\/\d+$/),
  orderId: z.string().regex(/^gid:\/\/shopify\/Order\/\d+$/),
  /** The return it belongs to; null: a reverse fulfilment order no return lists. */
  returnId: z
    .string()
    .regex(/^gid:\/\/shopify\/Return\/\d+$/)
    .nullable(),
  lines: z
    .array(
      z.strictObject({
        totalQuantity: z.int().min(0).max(100_000),
        dispositions: z
          .array(
            z.strictObject({
              type: z.enum(['RESTOCKED', 'NOT_RESTOCKED', 'PROCESSING_REQUIRED', 'MISSING']),
              quantity: z.int().min(1).max(100_000),
            }),
          )
          .max(50),
      }),
    )
    .max(250),
  tracking: z.array(z.strictObject({ carrierName: z.string().max(255), number: z.string().max(255) })).max(10),
});
export type StandinReverseFulfillmentOrder = z.infer<typeof StandinReverseFulfillmentOrderSchema>;

export type StandinRefund = {
  id: string;
  orderId: string;
  note: string;
  amount: string;
  currencyCode: string;
  createdAt: string;
  calls: number;
};

/**
 * Seeded orders: Shopify's documentation example, and the same order under the id of
 * local/sample-webhook.ts's Shopify returns (`npm run sign -- --marketplace shopify`), so a
 * sample return on `npm start` is completed from it (#16).
 */
export function seedOrders(): StandinOrder[] {
  const [example] = documentedOrders();
  return example === undefined ? [] : [example, { ...example, id: 'gid://shopify/Order/5196695273621' }];
}

function documentedOrders(): StandinOrder[] {
  return [
    {
      id: 'gid://shopify/Order/820982911946154508',
      name: '#1001',
      currencyCode: 'EUR',
      createdAt: '2026-11-02T09:15:00Z',
      processedAt: '2026-11-02T09:15:00Z',
      totalShipping: '4.90',
      lineItems: [
        { id: 'gid://shopify/LineItem/466157049', sku: 'KETTLE-01', title: 'Kettle', quantity: 1, unitPrice: '49.00' },
        { id: 'gid://shopify/LineItem/518995019', sku: 'MUG-02', title: 'Mug', quantity: 2, unitPrice: '8.50' },
      ],
      fulfillments: [
        {
          id: 'gid://shopify/Fulfillment/255858046',
          createdAt: '2026-11-03T08:00:00Z',
          deliveredAt: '2026-11-05T14:30:00Z',
          tracking: [{ company: 'DHL', number: '00340434161094042557' }],
          events: [
            { status: 'IN_TRANSIT', happenedAt: '2026-11-03T18:00:00Z' },
            { status: 'DELIVERED', happenedAt: '2026-11-05T14:30:00Z' },
          ],
        },
      ],
      transactionId: 'gid://shopify/OrderTransaction/389404469',
      captured: '70.90',
    },
  ];
}

const GraphqlBodySchema = z.object({
  query: z.string().min(1).max(20_000),
  variables: z.record(z.string(), z.unknown()).optional(),
});
const OrderVarsSchema = z.object({ id: z.string().regex(/^gid:\/\/shopify\/Order\/\d+$/) });
const ReverseFulfillmentOrderVarsSchema = z.object({ id: z.string().regex(/^gid:\/\/shopify\/ReverseFulfillmentOrder\/\d+$/) });
const RefundVarsSchema = z.object({
  input: z.object({
    orderId: z.string().regex(/^gid:\/\/shopify\/Order\/\d+$/),
    note: z.string().min(1).max(255),
    notify: z.boolean().optional(),
    transactions: z
      .array(
        z.object({
          orderId: z.string(),
          parentId: z.string(),
          kind: z.literal('REFUND'),
          gateway: z.string().min(1),
          amount: z.string().regex(/^\d+(\.\d{1,2})?$/),
        }),
      )
      .length(1),
  }),
});

const SeedOrderSchema = z.strictObject({
  id: z.string().regex(/^gid:\/\/shopify\/Order\/\d+$/),
  currencyCode: z.string().regex(/^[A-Z]{3}$/),
  captured: z.string().regex(/^\d+\.\d{2}$/),
});

export type ShopifyAdminStandin = {
  /** http://127.0.0.1:<port> */
  readonly url: string;
  /** Every token the stand-in accepts, by shop domain. */
  readonly accessTokens: Map<string, string>;
  readonly orders: Map<string, StandinOrder>;
  /** Reverse fulfilment orders by GID (#15). */
  readonly reverseFulfillmentOrders: Map<string, StandinReverseFulfillmentOrder>;
  refunds(): StandinRefund[];
  /** Returns by GID: REQUESTED until approved (OPEN) or declined (DECLINED), with the decline note (#21). */
  returns(): Record<string, { status: string; declineNote?: string }>;
  /** Sets a return's status, as if changed in Shopify's admin. */
  setReturnStatus(gid: string, status: string): void;
  /** Edits a refund in the record (gone, or another amount), as reconciliation tests need (#16). */
  tamperRefund(id: string, change: { remove?: boolean; amount?: string }): void;
  setFaults(faults: ShopifyStandinFaults): void;
  callCount(): number;
  reset(): void;
  stop(): Promise<void>;
};

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

const cents = (amount: string): number => Math.round(Number(amount) * 100);
const money = (c: number): string => (c / 100).toFixed(2);

function orderNode(order: StandinOrder) {
  const m = (amount: string): { shopMoney: StandinMoney } => ({ shopMoney: { amount, currencyCode: order.currencyCode } });
  return {
    id: order.id,
    name: order.name,
    currencyCode: order.currencyCode,
    createdAt: order.createdAt,
    processedAt: order.processedAt,
    totalShippingPriceSet: m(order.totalShipping),
    lineItems: {
      nodes: order.lineItems.map((l) => ({
        id: l.id,
        sku: l.sku,
        title: l.title,
        quantity: l.quantity,
        originalUnitPriceSet: m(l.unitPrice),
      })),
    },
    fulfillments: order.fulfillments.map((f) => ({
      id: f.id,
      createdAt: f.createdAt,
      deliveredAt: f.deliveredAt,
      trackingInfo: f.tracking.map((t) => ({ company: t.company, number: t.number, url: null })),
      events: { nodes: f.events.map((e) => ({ status: e.status, happenedAt: e.happenedAt })) },
    })),
  };
}

/** What controlBody answers for a body that is not JSON. */
const NOT_JSON = Symbol('not JSON');

export async function startShopifyAdminStandin(
  opts: { port?: number; host?: string; accessTokens?: Record<string, string> } = {},
): Promise<ShopifyAdminStandin> {
  const accessTokens = new Map(Object.entries(opts.accessTokens ?? { 'dev-shop.myshopify.com': 'shpat_dev_standin_token' }));
  const orders = new Map(seedOrders().map((o) => [o.id, o]));
  const reverseFulfillmentOrders = new Map<string, StandinReverseFulfillmentOrder>();
  const refunds: StandinRefund[] = [];
  /** Returns by GID and their status (#21): one the stand-in has not seen is a REQUESTED return. */
  const returns = new Map<string, { status: string; declineNote?: string }>();
  let faults = { failNext: 0, failStatus: 503, chargeThenFailNext: 0, timeoutNext: 0 };
  let calls = 0;
  const held = new Set<ServerResponse>();

  function refundCreate(vars: z.infer<typeof RefundVarsSchema>) {
    const { input } = vars;
    const order = orders.get(input.orderId);
    if (order === undefined) return { refund: null, userErrors: [{ field: ['orderId'], message: 'Order does not exist' }] };
    const tx = input.transactions[0];
    if (tx === undefined || tx.parentId !== order.transactionId) {
      return { refund: null, userErrors: [{ field: ['transactions', '0', 'parentId'], message: 'Transaction does not exist' }] };
    }
    const already = refunds.filter((r) => r.orderId === order.id).reduce((s, r) => s + cents(r.amount), 0);
    const want = cents(tx.amount);
    if (want <= 0 || already + want > cents(order.captured)) {
      return {
        refund: null,
        userErrors: [{ field: ['transactions', '0', 'amount'], message: 'Amount cannot be greater than the refundable amount' }],
      };
    }
    const refund: StandinRefund = {
      id: `gid://shopify/Refund/${Date.now()}${refunds.length}`,
      orderId: order.id,
      note: input.note,
      amount: money(want),
      currencyCode: order.currencyCode,
      createdAt: new Date().toISOString(),
      calls: 1,
    };
    refunds.push(refund);
    return {
      refund: {
        id: refund.id,
        note: refund.note,
        createdAt: refund.createdAt,
        totalRefundedSet: { shopMoney: { amount: refund.amount, currencyCode: refund.currencyCode } },
      },
      userErrors: [],
    };
  }

  async function handleGraphql(req: IncomingMessage, res: ServerResponse): Promise<void> {
    calls += 1;
    const shop = (req.headers.host ?? '').replace(/:\d+$/, '');
    const forwardedShop = req.headers['x-standin-shop'];
    const token = req.headers['x-shopify-access-token'];
    const shopDomain = typeof forwardedShop === 'string' ? forwardedShop : shop;
    if (typeof token !== 'string' || accessTokens.get(shopDomain) !== token) {
      return send(res, 401, { errors: '[API] Invalid API key or access token (unrecognized login or wrong password)' });
    }
    let json: unknown;
    try {
      json = JSON.parse(await readBody(req));
    } catch {
      return send(res, 400, { errors: 'body is not JSON' });
    }
    const body = GraphqlBodySchema.safeParse(json);
    if (!body.success) return send(res, 400, { errors: 'invalid GraphQL request' });

    if (faults.timeoutNext > 0) {
      faults.timeoutNext -= 1;
      held.add(res);
      res.on('close', () => held.delete(res));
      return;
    }
    if (faults.failNext > 0) {
      faults.failNext -= 1;
      return send(res, faults.failStatus, { errors: 'injected failure' });
    }
    const op = /^\s*(query|mutation)\s+(\w+)/.exec(body.data.query)?.[2];
    const vars = body.data.variables ?? {};
    if (op === 'DisputeDeskOrder' || op === 'DisputeDeskOrderRefunds') {
      const v = OrderVarsSchema.safeParse(vars);
      if (!v.success) return send(res, 200, { errors: [{ message: 'Variable $id of type ID! was provided invalid value' }] });
      const order = orders.get(v.data.id);
      if (order === undefined) return send(res, 200, { data: { order: null } });
      if (op === 'DisputeDeskOrder') return send(res, 200, { data: { order: orderNode(order) } });
      const mine = refunds.filter((r) => r.orderId === order.id);
      return send(res, 200, {
        data: {
          order: {
            id: order.id,
            transactions: [{ id: order.transactionId, kind: 'SALE', status: 'SUCCESS', gateway: 'shopify_payments' }],
            refunds: mine.map((r) => ({
              id: r.id,
              note: r.note,
              createdAt: r.createdAt,
              totalRefundedSet: { shopMoney: { amount: r.amount, currencyCode: r.currencyCode } },
            })),
          },
        },
      });
    }
    if (op === 'DisputeDeskReverseFulfillmentOrder') {
      const v = ReverseFulfillmentOrderVarsSchema.safeParse(vars);
      if (!v.success) return send(res, 200, { errors: [{ message: 'Variable $id of type ID! was provided invalid value' }] });
      const rfo = reverseFulfillmentOrders.get(v.data.id);
      if (rfo === undefined) return send(res, 200, { data: { reverseFulfillmentOrder: null } });
      // The order's returns, each listing its reverse fulfilment orders, as Shopify nests them.
      const siblings = [...reverseFulfillmentOrders.values()].filter((r) => r.orderId === rfo.orderId && r.returnId !== null);
      const returnIds = [...new Set(siblings.map((r) => r.returnId as string))];
      return send(res, 200, {
        data: {
          reverseFulfillmentOrder: {
            id: rfo.id,
            order: {
              id: rfo.orderId,
              returns: {
                nodes: returnIds.map((id) => ({
                  id,
                  reverseFulfillmentOrders: { nodes: siblings.filter((r) => r.returnId === id).map((r) => ({ id: r.id })) },
                })),
              },
            },
            lineItems: {
              nodes: rfo.lines.map((l, i) => ({
                id: `gid://shopify/ReverseFulfillmentOrderLineItem/${i + 1}`,
                totalQuantity: l.totalQuantity,
                dispositions: l.dispositions,
              })),
            },
            reverseDeliveries: {
              nodes: rfo.tracking.map((t) => ({
                deliverable: { tracking: { carrierName: t.carrierName, number: t.number } },
              })),
            },
          },
        },
      });
    }
    if (op === 'DisputeDeskRefund') {
      const v = RefundVarsSchema.safeParse(vars);
      if (!v.success) return send(res, 200, { errors: [{ message: 'Variable $input of type RefundInput! was provided invalid value' }] });
      const chargeThenFail = faults.chargeThenFailNext > 0;
      if (chargeThenFail) faults.chargeThenFailNext -= 1;
      const result = refundCreate(v.data);
      if (chargeThenFail) return send(res, 500, { errors: 'injected failure after refunding' });
      return send(res, 200, { data: { refundCreate: result } });
    }
    if (op === 'DisputeDeskRefundsSince') {
      // Every order with a refund, one page: the caller filters refunds by their time (#16).
      const nodes = [...orders.values()]
        .filter((o) => refunds.some((r) => r.orderId === o.id))
        .map((o) => ({
          id: o.id,
          refunds: refunds
            .filter((r) => r.orderId === o.id)
            .map((r) => ({
              id: r.id,
              note: r.note,
              createdAt: r.createdAt,
              totalRefundedSet: { shopMoney: { amount: r.amount, currencyCode: r.currencyCode } },
            })),
        }));
      return send(res, 200, { data: { orders: { pageInfo: { hasNextPage: false, endCursor: null }, nodes } } });
    }
    if (op === 'DisputeDeskReturn' || op === 'DisputeDeskReturnApprove' || op === 'DisputeDeskReturnDecline') {
      const input = (op === 'DisputeDeskReturn' ? vars : (vars as { input?: unknown }).input) as
        | { id?: unknown; declineNote?: unknown }
        | undefined;
      const id = typeof input?.id === 'string' && /^gid:\/\/shopify\/Return\/\d+$/.test(input.id) ? input.id : undefined;
      if (id === undefined) return send(res, 200, { errors: [{ message: 'Variable $id of type ID! was provided invalid value' }] });
      const current = returns.get(id) ?? { status: 'REQUESTED' };
      returns.set(id, current);
      if (op === 'DisputeDeskReturn') return send(res, 200, { data: { return: { id, status: current.status } } });
      const field = op === 'DisputeDeskReturnApprove' ? 'returnApproveRequest' : 'returnDeclineRequest';
      if (current.status !== 'REQUESTED') {
        return send(res, 200, {
          data: { [field]: { return: null, userErrors: [{ field: ['id'], message: `Return is ${current.status}, not REQUESTED` }] } },
        });
      }
      const next =
        op === 'DisputeDeskReturnApprove' ? { status: 'OPEN' } : { status: 'DECLINED', declineNote: String(input?.declineNote ?? '') };
      returns.set(id, next);
      return send(res, 200, { data: { [field]: { return: { id, status: next.status }, userErrors: [] } } });
    }
    return send(res, 200, { errors: [{ message: `operation not supported by the stand-in: ${op ?? 'anonymous'}` }] });
  }

  async function handleControl(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method === 'GET' && req.url === '/_control/ledger') {
      return send(res, 200, { refunds, calls, returns: Object.fromEntries(returns) });
    }
    if (req.method === 'POST' && req.url === '/_control/reset') {
      reset();
      return send(res, 200, { ok: true });
    }
    if (req.method === 'POST' && req.url === '/_control/orders') {
      // An order as the shop's checkout would have made it (the soak's Shopify-paid returns, #16):
      // the documented example under another id, currency and captured amount.
      const json = await controlBody(req);
      if (json === NOT_JSON) return send(res, 400, { error: 'body is not JSON' });
      const parsed = SeedOrderSchema.safeParse(json);
      const [template] = seedOrders();
      if (!parsed.success || template === undefined)
        return send(res, 400, { error: 'want {id: gid://shopify/Order/<n>, currencyCode, captured}' });
      orders.set(parsed.data.id, { ...template, ...parsed.data });
      return send(res, 200, { ok: true });
    }
    if (req.method === 'POST' && req.url === '/_control/reverse-fulfillment-orders') {
      const json = await controlBody(req);
      if (json === NOT_JSON) return send(res, 400, { error: 'body is not JSON' });
      const parsed = StandinReverseFulfillmentOrderSchema.safeParse(json);
      if (!parsed.success) return send(res, 400, { error: 'invalid reverse fulfillment order', issues: parsed.error.issues });
      reverseFulfillmentOrders.set(parsed.data.id, parsed.data);
      return send(res, 200, { ok: true });
    }
    if (req.method === 'POST' && req.url === '/_control/faults') {
      const json = await controlBody(req);
      if (json === NOT_JSON) return send(res, 400, { error: 'body is not JSON' });
      const parsed = ShopifyStandinFaultsSchema.safeParse(json);
      if (!parsed.success) return send(res, 400, { error: 'invalid faults', issues: parsed.error.issues });
      setFaults(parsed.data);
      return send(res, 200, { faults });
    }
    return send(res, 404, { error: 'not found' });
  }

  /** A control request's JSON body (`{}` when empty), or NOT_JSON. */
  async function controlBody(req: IncomingMessage): Promise<unknown> {
    try {
      return JSON.parse((await readBody(req)) || '{}');
    } catch {
      return NOT_JSON;
    }
  }

  function setFaults(next: ShopifyStandinFaults): void {
    faults = { ...faults, ...Object.fromEntries(Object.entries(next).filter(([, v]) => v !== undefined)) };
  }
  function reset(): void {
    refunds.length = 0;
    returns.clear();
    calls = 0;
    orders.clear();
    for (const o of seedOrders()) orders.set(o.id, o);
    reverseFulfillmentOrders.clear();
    faults = { failNext: 0, failStatus: 503, chargeThenFailNext: 0, timeoutNext: 0 };
  }

  const server = createServer((req, res) => {
    const isGraphql = req.method === 'POST' && /^\/admin\/api\/[\w-]+\/graphql\.json$/.test(req.url ?? '');
    (isGraphql ? handleGraphql : handleControl)(req, res).catch(() => {
      if (!res.headersSent) send(res, 500, { errors: 'stand-in error' });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${address.port}`,
    accessTokens,
    orders,
    reverseFulfillmentOrders,
    refunds: () => refunds.map((r) => ({ ...r })),
    returns: () => Object.fromEntries([...returns].map(([id, r]) => [id, { ...r }])),
    setReturnStatus: (gid, status) => void returns.set(gid, { status }),
    tamperRefund: (id, change) => {
      const at = refunds.findIndex((r) => r.id === id);
      if (at < 0) throw new Error(`no refund ${id}`);
      if (change.remove === true) refunds.splice(at, 1);
      else if (change.amount !== undefined) refunds[at] = { ...(refunds[at] as StandinRefund), amount: change.amount };
    },
    setFaults,
    callCount: () => calls,
    reset,
    async stop() {
      for (const res of held) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * A `customFetchApi` for `createAdminApiClient` that sends the client's
 * `https://<shop>/admin/api/...` requests to the stand-in, naming the shop in a header.
 */
export function shopifyStandinFetch(standinUrl: string): typeof fetch {
  return (input, init) => {
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    const headers = new Headers(init?.headers);
    headers.set('x-standin-shop', url.host);
    return fetch(`${standinUrl}${url.pathname}${url.search}`, { ...init, headers });
  };
}
