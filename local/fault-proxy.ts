import { type IncomingMessage, request as httpRequest, Agent, createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A fault-injecting HTTP proxy on loopback, in front of DynamoDB Local or fauxqs. The local
 * runtime puts one in front of each engine only when started with LOCAL_FAULTS=1 (the soak
 * does), and points the handlers' DYNAMODB_ENDPOINT / SQS_ENDPOINT at it. The production code
 * is untouched: its SDK clients see exactly what AWS sends when it throttles or fails.
 *
 * Faults come in windows: "for the next `forMs`, answer a `rate` share of the requests a
 * `matches` predicate selects with this canned error instead of forwarding them". Outside a
 * window every request is forwarded byte for byte.
 */

export type CannedError = { readonly status: number; readonly body: string; readonly contentType: string };

export type FaultWindow = {
  readonly name: string;
  readonly until: number;
  readonly rate: number;
  readonly matches: (target: string | undefined) => boolean;
  readonly answer: CannedError;
};

export type FaultProxy = {
  readonly url: string;
  /** Opens (or replaces) the window named `name`; returns when it closes (epoch ms). */
  openWindow(window: Omit<FaultWindow, 'until'> & { readonly forMs: number }): number;
  closeWindows(): void;
  /** Requests forwarded, and answered with an injected fault, per window name. */
  stats(): { forwarded: number; injected: Record<string, number> };
  stop(): Promise<void>;
};

/** DynamoDB's throttling answer; the SDK classifies it as a throttle and retries with backoff. */
export const DYNAMODB_THROTTLE: CannedError = {
  status: 400,
  contentType: 'application/x-amz-json-1.0',
  body: JSON.stringify({
    __type: 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException',
    message: 'The level of configured provisioned throughput for the table was exceeded (injected by the local fault proxy)',
  }),
};

/** An SQS internal error (JSON protocol); the SDK retries it as a server error, then gives up. */
export const SQS_INTERNAL_ERROR: CannedError = {
  status: 500,
  contentType: 'application/x-amz-json-1.0',
  body: JSON.stringify({
    __type: 'com.amazonaws.sqs#InternalError',
    message: 'We encountered an internal error (injected by the local fault proxy)',
  }),
};

/** X-Amz-Target of the SQS JSON protocol calls that send messages. */
export const isSqsSend = (target: string | undefined) => target === 'AmazonSQS.SendMessage' || target === 'AmazonSQS.SendMessageBatch';
export const anyRequest = () => true;

export async function startFaultProxy(options: { target: string; host?: string; port?: number; name: string }): Promise<FaultProxy> {
  const target = new URL(options.target);
  // Keep-alive to the engine, as the SDK itself keeps connections open.
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const windows = new Map<string, FaultWindow>();
  const injected: Record<string, number> = {};
  let forwarded = 0;

  function activeFault(targetHeader: string | undefined): FaultWindow | undefined {
    const now = Date.now();
    for (const window of windows.values()) {
      if (window.until <= now) continue;
      if (window.matches(targetHeader) && Math.random() < window.rate) return window;
    }
    return undefined;
  }

  function forward(req: IncomingMessage, res: ServerResponse): void {
    forwarded += 1;
    const upstream = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: target.host },
        agent,
      },
      function relayResponse(answer) {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', function upstreamFailed() {
      // The engine went away (shutdown): a connection reset is what the SDK would see anyway.
      if (!res.headersSent) res.writeHead(502);
      res.destroy();
    });
    req.pipe(upstream);
  }

  const server = createServer(function onRequest(req, res) {
    const header = req.headers['x-amz-target'];
    const fault = activeFault(Array.isArray(header) ? header[0] : header);
    if (fault === undefined) return forward(req, res);
    injected[fault.name] = (injected[fault.name] ?? 0) + 1;
    // Drain the request before answering, as a real endpoint would.
    req.resume();
    req.on('end', function answerWithFault() {
      res.writeHead(fault.answer.status, {
        'content-type': fault.answer.contentType,
        'content-length': String(Buffer.byteLength(fault.answer.body)),
        'x-amzn-requestid': `fault-${Date.now()}`,
      });
      res.end(fault.answer.body);
    });
  });
  server.keepAliveTimeout = 30_000;

  await new Promise<void>(function listen(resolve, reject) {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', function onListening() {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    openWindow(window) {
      const until = Date.now() + window.forMs;
      windows.set(window.name, { name: window.name, rate: window.rate, matches: window.matches, answer: window.answer, until });
      return until;
    },
    closeWindows() {
      windows.clear();
    },
    stats() {
      return { forwarded, injected: { ...injected } };
    },
    async stop() {
      windows.clear();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
      agent.destroy();
    },
  };
}
