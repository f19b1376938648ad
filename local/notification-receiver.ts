import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import * as z from 'zod';
import { OutboundEventSchema } from '#lib/contract/outbound-events.ts';
import { readBody } from './read-body.ts';

/**
 * A marketplace's receiver of outbound notifications (#21), for `npm start`, tests and the
 * soak. It verifies each delivery with the `standardwebhooks` library, as a marketplace
 * would, checks the body against the published schema, and keeps what it received:
 *
 * - `POST /webhooks/<marketplace>`: a notification (401 on a bad signature, 400 on a bad body).
 *   A repeated `webhook-id` is answered 200 and counted as a duplicate, not received twice.
 * - `GET /_control/deliveries`: what was received, in arrival order, and the counts.
 * - `POST /_control/faults`: `{"fail": n, "failStatus": 503}` fails the next n deliveries,
 *   `{"slowMs": n}` answers late, `{"gone": true}` answers 410 Gone (the marketplace unsubscribes).
 * - `POST /_control/reset`: forget everything.
 */

export type ReceivedNotification = {
  readonly webhookId: string;
  readonly marketplace: string;
  readonly type: string;
  readonly caseId: string;
  readonly caseVersion: number;
  readonly receivedAt: string;
  readonly body: z.infer<typeof OutboundEventSchema>;
};

export type ReceiverFaults = { fail: number; failStatus: number; slowMs: number; gone: boolean };

const FaultsSchema = z.strictObject({
  fail: z.number().int().min(0).optional(),
  failStatus: z.number().int().min(400).max(599).optional(),
  slowMs: z.number().int().min(0).max(60_000).optional(),
  gone: z.boolean().optional(),
});

export type NotificationReceiver = {
  readonly url: string;
  readonly port: number;
  /** Deliveries accepted, once per webhook-id, in arrival order. */
  received(): ReceivedNotification[];
  /** How many deliveries repeated an id already received, and how many were refused (signature, body, faults). */
  counts(): { duplicates: number; badSignature: number; badBody: number; failed: number; gone: number };
  setFaults(next: Partial<ReceiverFaults>): void;
  reset(): void;
  stop(): Promise<void>;
};

export async function startNotificationReceiver(opts: {
  port?: number;
  host?: string;
  /** Marketplace → `whsec_…`, the same secrets the sender signs with. */
  secrets: Readonly<Record<string, string>>;
}): Promise<NotificationReceiver> {
  const host = opts.host ?? '127.0.0.1';
  const verifiers = new Map(Object.entries(opts.secrets).map(([m, s]) => [m, new Webhook(s)]));
  let received: ReceivedNotification[] = [];
  let seen = new Set<string>();
  let counts = { duplicates: 0, badSignature: 0, badBody: 0, failed: 0, gone: 0 };
  let faults: ReceiverFaults = { fail: 0, failStatus: 503, slowMs: 0, gone: false };

  const send = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://receiver');
    if (req.method === 'GET' && url.pathname === '/_control/deliveries') return send(res, 200, { received, counts });
    if (req.method === 'POST' && url.pathname === '/_control/reset') {
      received = [];
      seen = new Set();
      counts = { duplicates: 0, badSignature: 0, badBody: 0, failed: 0, gone: 0 };
      faults = { fail: 0, failStatus: 503, slowMs: 0, gone: false };
      return send(res, 200, { ok: true });
    }
    if (req.method === 'POST' && url.pathname === '/_control/faults') {
      const parsed = FaultsSchema.safeParse(JSON.parse((await readBody(req)) || '{}'));
      if (!parsed.success) return send(res, 400, { error: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') });
      faults = { ...faults, ...Object.fromEntries(Object.entries(parsed.data).filter(([, v]) => v !== undefined)) };
      return send(res, 200, faults);
    }
    const match = /^\/webhooks\/([A-Za-z0-9_-]+)$/.exec(url.pathname);
    if (req.method !== 'POST' || match?.[1] === undefined) return send(res, 404, { error: 'not found' });
    const marketplace = match[1];
    const body = await readBody(req, 512 * 1024);
    if (faults.slowMs > 0) await new Promise((r) => setTimeout(r, faults.slowMs));
    const verifier = verifiers.get(marketplace);
    let payload: unknown;
    try {
      if (verifier === undefined) throw new Error(`no secret for ${marketplace}`);
      payload = verifier.verify(body, {
        'webhook-id': String(req.headers['webhook-id'] ?? ''),
        'webhook-timestamp': String(req.headers['webhook-timestamp'] ?? ''),
        'webhook-signature': String(req.headers['webhook-signature'] ?? ''),
      });
    } catch {
      counts.badSignature += 1;
      return send(res, 401, { error: 'signature does not verify' });
    }
    if (faults.gone) {
      counts.gone += 1;
      return send(res, 410, { error: 'unsubscribed' });
    }
    if (faults.fail > 0) {
      faults.fail -= 1;
      counts.failed += 1;
      return send(res, faults.failStatus, { error: 'injected failure' });
    }
    const parsed = OutboundEventSchema.safeParse(payload);
    const webhookId = String(req.headers['webhook-id']);
    if (!parsed.success || parsed.data.data.eventId !== webhookId) {
      counts.badBody += 1;
      return send(res, 400, { error: 'body does not match the outbound event schema' });
    }
    if (seen.has(webhookId)) {
      counts.duplicates += 1;
      return send(res, 200, { duplicate: true });
    }
    seen.add(webhookId);
    const { data } = parsed.data;
    received.push({
      webhookId,
      marketplace,
      type: parsed.data.type,
      caseId: data.caseId,
      caseVersion: data.caseVersion,
      receivedAt: new Date().toISOString(),
      body: parsed.data,
    });
    return send(res, 200, { ok: true });
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) send(res, 500, { error: 'receiver failed' });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}`,
    port,
    received: () => [...received],
    counts: () => ({ ...counts }),
    setFaults: (next) => {
      faults = { ...faults, ...next };
    },
    reset: () => {
      received = [];
      seen = new Set();
      counts = { duplicates: 0, badSignature: 0, badBody: 0, failed: 0, gone: 0 };
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
