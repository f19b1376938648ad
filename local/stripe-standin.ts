import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { readBody } from './read-body.ts';

/**
 * A local stand-in for the part of Stripe's API refunds use, for the official `stripe` SDK
 * pointed at it by host, port and protocol: `POST /v1/refunds` (form-encoded, `Idempotency-Key`
 * honoured as Stripe does: the same key and parameters replay the first answer with
 * `Idempotent-Replayed: true`, other parameters are an `idempotency_error`), `GET /v1/refunds`
 * (`payment_intent`, `limit`), `GET /v1/refunds/:id`. Bearer keys are checked (401 otherwise).
 * Business refusals in Stripe's error shape and codes: `resource_missing` (no such payment
 * intent), `charge_already_refunded`, `amount_too_large` (over what is left of the capture),
 * `charge_disputed`.
 *
 * Seeded payment intents and fault controls (as local/payment-simulator.ts):
 * `POST /_control/payment-intents` `{id, amount, currency, disputed?}`, `POST /_control/keys`
 * `{keys}` (a rotation), `POST /_control/faults` `{failNext, failStatus, timeoutNext,
 * refundThenLoseNext}` (the last creates the refund, then drops the connection: the answer is
 * lost, the money moved), `GET /_control/ledger`, `POST /_control/reset`.
 */

export type StandinPaymentIntent = { id: string; amount: number; currency: string; disputed: boolean };
export type StandinStripeRefund = {
  id: string;
  object: 'refund';
  amount: number;
  currency: string;
  payment_intent: string;
  status: 'succeeded';
  metadata: Record<string, string>;
  created: number;
};

const PaymentIntentSeed = z.strictObject({
  id: z.string().regex(/^pi_[A-Za-z0-9_]{1,64}$/),
  amount: z.int().positive(),
  currency: z.string().regex(/^[a-z]{3}$/),
  disputed: z.boolean().optional(),
});
const FaultsSchema = z.strictObject({
  failNext: z.int().min(0).optional(),
  failStatus: z.int().min(400).max(599).optional(),
  timeoutNext: z.int().min(0).optional(),
  refundThenLoseNext: z.int().min(0).optional(),
});

export type StripeStandin = {
  readonly url: string;
  readonly host: string;
  readonly port: number;
  seedPaymentIntent(pi: { id: string; amount: number; currency: string; disputed?: boolean }): void;
  setKeys(keys: readonly string[]): void;
  setFaults(faults: z.infer<typeof FaultsSchema>): void;
  /** Every refund created, in order (what the "provider" paid). */
  ledger(): readonly StandinStripeRefund[];
  stop(): Promise<void>;
};

/** Stripe's form encoding, flat keys and `metadata[key]` one level deep (all refunds send). */
function parseForm(body: string): { fields: Record<string, string>; metadata: Record<string, string> } {
  const fields: Record<string, string> = {};
  const metadata: Record<string, string> = {};
  for (const [key, value] of new URLSearchParams(body)) {
    const m = /^metadata\[([^\]]+)\]$/.exec(key);
    if (m?.[1] !== undefined) metadata[m[1]] = value;
    else fields[key] = value;
  }
  return { fields, metadata };
}

export async function startStripeStandin(opts: { port?: number; host?: string; keys?: readonly string[] } = {}): Promise<StripeStandin> {
  const host = opts.host ?? '127.0.0.1';
  let keys = new Set(opts.keys ?? ['sk_test_dispute_desk_dev']);
  const intents = new Map<string, StandinPaymentIntent>([
    ['pi_dev_standin_1', { id: 'pi_dev_standin_1', amount: 50_000, currency: 'eur', disputed: false }],
  ]);
  const refunds: StandinStripeRefund[] = [];
  const idempotency = new Map<string, { params: string; status: number; body: string }>();
  let faults = { failNext: 0, failStatus: 500, timeoutNext: 0, refundThenLoseNext: 0 };
  const held = new Set<ServerResponse>();

  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', 'request-id': `req_${randomBytes(8).toString('hex')}`, ...headers });
    res.end(typeof body === 'string' ? body : JSON.stringify(body));
  };
  const stripeError = (type: string, message: string, code?: string, param?: string) => ({
    error: { type, message, ...(code === undefined ? {} : { code }), ...(param === undefined ? {} : { param }) },
  });

  function createRefund(fields: Record<string, string>, metadata: Record<string, string>): { status: number; body: unknown } {
    const intent = intents.get(fields.payment_intent ?? '');
    if (intent === undefined) {
      return {
        status: 400,
        body: stripeError(
          'invalid_request_error',
          `No such payment_intent: '${fields.payment_intent}'`,
          'resource_missing',
          'payment_intent',
        ),
      };
    }
    if (intent.disputed) {
      return {
        status: 400,
        body: stripeError('invalid_request_error', 'This charge is disputed and cannot be refunded.', 'charge_disputed'),
      };
    }
    const refunded = refunds.filter((r) => r.payment_intent === intent.id).reduce((sum, r) => sum + r.amount, 0);
    if (refunded >= intent.amount) {
      return {
        status: 400,
        body: stripeError('invalid_request_error', `Charge for ${intent.id} has already been refunded.`, 'charge_already_refunded'),
      };
    }
    const amount = fields.amount === undefined ? intent.amount - refunded : Number(fields.amount);
    if (!Number.isInteger(amount) || amount <= 0) {
      return { status: 400, body: stripeError('invalid_request_error', 'Invalid positive integer', 'parameter_invalid_integer', 'amount') };
    }
    if (refunded + amount > intent.amount) {
      return {
        status: 400,
        body: stripeError(
          'invalid_request_error',
          `Refund amount (${amount}) is greater than unrefunded amount on charge (${intent.amount - refunded})`,
          'amount_too_large',
          'amount',
        ),
      };
    }
    const refund: StandinStripeRefund = {
      id: `re_${randomBytes(12).toString('hex')}`,
      object: 'refund',
      amount,
      currency: intent.currency,
      payment_intent: intent.id,
      status: 'succeeded',
      metadata,
      created: Math.floor(Date.now() / 1000),
    };
    refunds.push(refund);
    return { status: 200, body: refund };
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://standin');
    if (url.pathname.startsWith('/_control/')) {
      const body = req.method === 'POST' ? JSON.parse((await readBody(req)) || '{}') : undefined;
      if (url.pathname === '/_control/payment-intents') {
        const pi = PaymentIntentSeed.parse(body);
        intents.set(pi.id, { ...pi, disputed: pi.disputed ?? false });
        return send(res, 200, { ok: true });
      }
      if (url.pathname === '/_control/keys') {
        keys = new Set(z.object({ keys: z.array(z.string().min(1)).min(1) }).parse(body).keys);
        return send(res, 200, { ok: true });
      }
      if (url.pathname === '/_control/faults') {
        faults = { ...faults, ...FaultsSchema.parse(body) };
        return send(res, 200, faults);
      }
      if (url.pathname === '/_control/ledger') return send(res, 200, { refunds });
      if (url.pathname === '/_control/tamper') {
        // Reconciliation tests: change or drop a refund in Stripe's own record.
        const t = z.strictObject({ id: z.string(), amount: z.int().positive().optional(), remove: z.boolean().optional() }).parse(body);
        const i = refunds.findIndex((r) => r.id === t.id);
        if (i < 0) return send(res, 404, { error: 'no such refund' });
        if (t.remove) refunds.splice(i, 1);
        else if (t.amount !== undefined) refunds[i] = { ...(refunds[i] as StandinStripeRefund), amount: t.amount };
        return send(res, 200, { ok: true });
      }
      if (url.pathname === '/_control/reset') {
        refunds.length = 0;
        idempotency.clear();
        faults = { failNext: 0, failStatus: 500, timeoutNext: 0, refundThenLoseNext: 0 };
        return send(res, 200, { ok: true });
      }
      return send(res, 404, { error: 'unknown control' });
    }
    const auth = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (auth === undefined || !keys.has(auth)) {
      return send(res, 401, stripeError('invalid_request_error', 'Invalid API Key provided: sk_****'));
    }
    if (faults.timeoutNext > 0) {
      faults.timeoutNext -= 1;
      held.add(res);
      return; // never answered: the client's timeout fires
    }
    if (faults.failNext > 0) {
      faults.failNext -= 1;
      return send(res, faults.failStatus, stripeError('api_error', 'Something went wrong on Stripe’s end.'));
    }
    if (req.method === 'POST' && url.pathname === '/v1/refunds') {
      const raw = await readBody(req);
      const { fields, metadata } = parseForm(raw);
      const key = req.headers['idempotency-key'];
      const idemKey = typeof key === 'string' ? `${auth}\n${key}` : undefined;
      const canonical = JSON.stringify([fields, metadata]);
      const seen = idemKey === undefined ? undefined : idempotency.get(idemKey);
      if (seen !== undefined) {
        if (seen.params !== canonical) {
          return send(
            res,
            400,
            stripeError(
              'idempotency_error',
              'Keys for idempotent requests can only be used with the same parameters they were first used with.',
            ),
          );
        }
        return send(res, seen.status, seen.body, { 'idempotent-replayed': 'true' });
      }
      const made = createRefund(fields, metadata);
      if (idemKey !== undefined) idempotency.set(idemKey, { params: canonical, status: made.status, body: JSON.stringify(made.body) });
      if (made.status === 200 && faults.refundThenLoseNext > 0) {
        faults.refundThenLoseNext -= 1;
        res.socket?.destroy(); // the money moved; the answer is lost
        return;
      }
      return send(res, made.status, made.body);
    }
    if (req.method === 'GET' && url.pathname === '/v1/refunds') {
      const q = url.searchParams;
      const pi = q.get('payment_intent');
      const limit = Math.min(100, Number(q.get('limit') ?? 10));
      const num = (key: string) => (q.get(key) === null ? undefined : Number(q.get(key)));
      const [gte, lt] = [num('created[gte]'), num('created[lt]')];
      // Newest first, as Stripe lists; `starting_after` pages on.
      const all = refunds
        .filter(
          (r) =>
            (pi === null || r.payment_intent === pi) && (gte === undefined || r.created >= gte) && (lt === undefined || r.created < lt),
        )
        .reverse();
      const after = q.get('starting_after');
      const from = after === null ? 0 : all.findIndex((r) => r.id === after) + 1;
      const data = all.slice(from, from + limit);
      return send(res, 200, { object: 'list', data, has_more: from + limit < all.length, url: '/v1/refunds' });
    }
    const intent = /^\/v1\/payment_intents\/(pi_[A-Za-z0-9_]+)$/.exec(url.pathname);
    if (req.method === 'GET' && intent !== null) {
      const found = intents.get(intent[1] ?? '');
      return found === undefined
        ? send(res, 404, stripeError('invalid_request_error', `No such payment_intent: '${intent[1]}'`, 'resource_missing', 'intent'))
        : send(res, 200, {
            id: found.id,
            object: 'payment_intent',
            amount: found.amount,
            amount_received: found.amount,
            currency: found.currency,
            status: 'succeeded',
          });
    }
    const one = /^\/v1\/refunds\/(re_[A-Za-z0-9]+)$/.exec(url.pathname);
    if (req.method === 'GET' && one !== null) {
      const found = refunds.find((r) => r.id === one[1]);
      return found === undefined
        ? send(res, 404, stripeError('invalid_request_error', `No such refund: '${one[1]}'`, 'resource_missing', 'id'))
        : send(res, 200, found);
    }
    return send(res, 404, stripeError('invalid_request_error', `Unrecognized request URL (${req.method}: ${url.pathname}).`));
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => send(res, 400, stripeError('invalid_request_error', (error as Error).message)));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}`,
    host,
    port,
    seedPaymentIntent: (pi) => void intents.set(pi.id, { ...pi, currency: pi.currency.toLowerCase(), disputed: pi.disputed ?? false }),
    setKeys: (next) => {
      keys = new Set(next);
    },
    setFaults: (next) => {
      faults = { ...faults, ...next };
    },
    ledger: () => [...refunds],
    stop: () =>
      new Promise<void>((resolve) => {
        for (const res of held) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
