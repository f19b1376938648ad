import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { readBody } from './read-body.ts';

/**
 * A local stand-in for the payment provider, speaking the same HTTP contract as the real
 * one (`POST /refunds` + Idempotency-Key). It keeps a ledger of every refund it actually
 * paid, which is what the exactly-once tests and the soak's invariant checker compare
 * against, and it can be told to misbehave:
 *
 * - `failNext`: answer the next N calls with `failStatus` (default 503) without paying;
 * - `chargeThenFailNext`: pay, then answer 500 (the response is lost: the worst case);
 * - `timeoutNext`: hold the next N calls without answering until the client gives up;
 * - `delayMs`: answer every call this much later;
 * - `failRate` / `timeoutRate`: the same at random, for soaks.
 *
 * Control endpoints: `POST /_control/faults`, `GET /_control/ledger`, `POST /_control/reset`.
 */

const RefundBodySchema = z.strictObject({
  caseId: z.string().min(1).max(128),
  amount: z.int().positive(),
  currency: z.string().regex(/^[A-Z]{3}$/),
});

export const FaultsSchema = z.strictObject({
  failNext: z.int().min(0).optional(),
  failStatus: z.int().min(400).max(599).optional(),
  chargeThenFailNext: z.int().min(0).optional(),
  timeoutNext: z.int().min(0).optional(),
  delayMs: z.int().min(0).max(60_000).optional(),
  failRate: z.number().min(0).max(1).optional(),
  timeoutRate: z.number().min(0).max(1).optional(),
});
export type Faults = z.infer<typeof FaultsSchema>;

export type LedgerEntry = {
  readonly idempotencyKey: string;
  readonly reference: string;
  readonly caseId: string;
  readonly amount: number;
  readonly currency: string;
  readonly paidAt: string;
  /** How many calls carried this key (retries included). */
  calls: number;
};

export type PaymentSimulator = {
  readonly url: string;
  ledger(): LedgerEntry[];
  setFaults(faults: Faults): void;
  /** Calls received, including the failed and timed-out ones. */
  callCount(): number;
  reset(): void;
  stop(): Promise<void>;
};

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

export async function startPaymentSimulator(opts: { port?: number; host?: string } = {}): Promise<PaymentSimulator> {
  const ledger = new Map<string, LedgerEntry>();
  let faults: Required<Pick<Faults, 'failNext' | 'chargeThenFailNext' | 'timeoutNext' | 'delayMs' | 'failRate' | 'timeoutRate'>> & {
    failStatus: number;
  } = {
    failNext: 0,
    failStatus: 503,
    chargeThenFailNext: 0,
    timeoutNext: 0,
    delayMs: 0,
    failRate: 0,
    timeoutRate: 0,
  };
  let calls = 0;
  const held = new Set<ServerResponse>();

  function pay(key: string, body: z.infer<typeof RefundBodySchema>): { entry: LedgerEntry; replayed: boolean } | { conflict: true } {
    const existing = ledger.get(key);
    if (existing !== undefined) {
      existing.calls += 1;
      if (existing.caseId !== body.caseId || existing.amount !== body.amount || existing.currency !== body.currency) {
        return { conflict: true };
      }
      return { entry: existing, replayed: true };
    }
    const entry: LedgerEntry = {
      idempotencyKey: key,
      reference: `pay_${randomUUID()}`,
      ...body,
      paidAt: new Date().toISOString(),
      calls: 1,
    };
    ledger.set(key, entry);
    return { entry, replayed: false };
  }

  async function handleRefund(req: IncomingMessage, res: ServerResponse): Promise<void> {
    calls += 1;
    const key = req.headers['idempotency-key'];
    let raw: string;
    try {
      raw = await readBody(req);
    } catch {
      return send(res, 413, { error: 'body too large' });
    }
    if (typeof key !== 'string' || key.length === 0 || key.length > 255) {
      return send(res, 400, { error: 'Idempotency-Key header is required' });
    }
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      return send(res, 400, { error: 'body is not JSON' });
    }
    const parsed = RefundBodySchema.safeParse(json);
    if (!parsed.success) return send(res, 422, { error: 'invalid refund', issues: parsed.error.issues });

    // Faults are decided synchronously on arrival, before any await, so concurrent calls
    // consume them in order and the idempotency check below stays race-free.
    if (faults.timeoutNext > 0 || Math.random() < faults.timeoutRate) {
      if (faults.timeoutNext > 0) faults.timeoutNext -= 1;
      held.add(res);
      res.on('close', () => held.delete(res));
      return;
    }
    if (faults.failNext > 0 || Math.random() < faults.failRate) {
      if (faults.failNext > 0) faults.failNext -= 1;
      return send(res, faults.failStatus, { error: 'injected failure' });
    }
    const chargeThenFail = faults.chargeThenFailNext > 0;
    if (chargeThenFail) faults.chargeThenFailNext -= 1;

    const outcome = pay(key, parsed.data);
    if ('conflict' in outcome) {
      return send(res, 422, { error: 'Idempotency-Key reused with a different refund' });
    }
    if (faults.delayMs > 0) await new Promise((r) => setTimeout(r, faults.delayMs));
    if (chargeThenFail) return send(res, 500, { error: 'injected failure after charging' });
    send(
      res,
      outcome.replayed ? 200 : 201,
      { reference: outcome.entry.reference, amount: outcome.entry.amount, currency: outcome.entry.currency },
      outcome.replayed ? { 'idempotent-replayed': 'true' } : {},
    );
  }

  async function handleControl(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method === 'GET' && req.url === '/_control/ledger') {
      return send(res, 200, { refunds: [...ledger.values()], calls });
    }
    if (req.method === 'POST' && req.url === '/_control/reset') {
      ledger.clear();
      calls = 0;
      return send(res, 200, { ok: true });
    }
    if (req.method === 'POST' && req.url === '/_control/faults') {
      const parsed = FaultsSchema.safeParse(JSON.parse((await readBody(req)) || '{}'));
      if (!parsed.success) return send(res, 400, { error: 'invalid faults', issues: parsed.error.issues });
      setFaults(parsed.data);
      return send(res, 200, { faults });
    }
    return send(res, 404, { error: 'not found' });
  }

  function setFaults(next: Faults): void {
    faults = { ...faults, ...Object.fromEntries(Object.entries(next).filter(([, v]) => v !== undefined)) };
  }

  const server = createServer((req, res) => {
    const route = req.method === 'POST' && req.url === '/refunds' ? handleRefund : handleControl;
    route(req, res).catch(() => {
      if (!res.headersSent) send(res, 500, { error: 'simulator error' });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${address.port}`,
    ledger: () => [...ledger.values()].map((e) => ({ ...e })),
    setFaults,
    callCount: () => calls,
    reset() {
      ledger.clear();
      calls = 0;
      faults = { failNext: 0, failStatus: 503, chargeThenFailNext: 0, timeoutNext: 0, delayMs: 0, failRate: 0, timeoutRate: 0 };
    },
    async stop() {
      for (const res of held) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
