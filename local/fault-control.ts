import { z } from 'zod';
import type { LocalLogger } from './console-logger.ts';
import { anyRequest, DYNAMODB_THROTTLE, type FaultProxy, isSqsSend, SQS_INTERNAL_ERROR, startFaultProxy } from './fault-proxy.ts';
import type { ExtraRoute, PlainResponse } from './http-gateway.ts';
import type { SqsPoller } from './sqs-poller.ts';

/**
 * Local-only fault injection for the soak (`LOCAL_FAULTS=1`; off by default, so `npm start`
 * behaves exactly as without it). Two proxies sit between the handlers and the engines
 * (local/fault-proxy.ts) and the runtime answers a control endpoint:
 *
 *   POST /_local/faults  {"dynamodbThrottle":{"forMs":5000,"rate":0.5}}   throttle DynamoDB calls
 *                        {"sqsSendFailure":{"forMs":5000}}                SendMessage answers 500
 *                        {"workerCrash":{"function":"apply-refund","afterMs":200}}
 *                        {"clear":true}                                   close every window
 *   GET  /_local/faults  what was injected so far
 *
 * Only handler traffic goes through the proxies; the runtime's own clients (the SQS poller
 * standing in for Lambda's event source mapping, the health check) talk to the engines
 * directly, as AWS's own machinery would not be throttled with the function.
 */

const WindowSchema = z.strictObject({
  forMs: z.int().min(1).max(600_000),
  /** Share of matching requests that fail while the window is open. @default 1 */
  rate: z.number().min(0).max(1).default(1),
});

export const FaultRequestSchema = z.strictObject({
  dynamodbThrottle: WindowSchema.optional(),
  sqsSendFailure: WindowSchema.optional(),
  workerCrash: z
    .strictObject({
      function: z.string().min(1).default('apply-refund'),
      /** Abandon the batch this long after it started (or after now, if one is in flight). */
      afterMs: z.int().min(0).max(60_000).default(0),
    })
    .optional(),
  clear: z.boolean().optional(),
});

export type LocalFaults = {
  /** The endpoints the handlers use instead of the engines'. */
  readonly handlerEndpoints: { readonly dynamodb: string; readonly sqs: string };
  readonly routes: readonly ExtraRoute[];
  registerPoller(functionName: string, poller: SqsPoller): void;
  stop(): Promise<void>;
};

function json(status: number, body: unknown): PlainResponse {
  return { status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

export async function startLocalFaults(options: { dynamodb: string; sqs: string; log: LocalLogger }): Promise<LocalFaults> {
  const { log } = options;
  const proxies: FaultProxy[] = [];
  try {
    proxies.push(await startFaultProxy({ target: options.dynamodb, name: 'dynamodb' }));
    proxies.push(await startFaultProxy({ target: options.sqs, name: 'sqs' }));
  } catch (error) {
    await Promise.allSettled(proxies.map((p) => p.stop()));
    throw error;
  }
  const [dynamodb, sqs] = proxies as [FaultProxy, FaultProxy];
  const pollers = new Map<string, SqsPoller>();

  function report() {
    return {
      dynamodb: dynamodb.stats(),
      sqs: sqs.stats(),
      workerCrashes: Object.fromEntries([...pollers].map(([name, poller]) => [name, poller.crashes()])),
    };
  }

  async function control(request: { method: string; body: Buffer }): Promise<PlainResponse> {
    if (request.method === 'GET') return json(200, report());
    let raw: unknown;
    try {
      raw = JSON.parse(request.body.toString('utf8') || '{}');
    } catch {
      return json(400, { error: 'body is not JSON' });
    }
    const parsed = FaultRequestSchema.safeParse(raw);
    if (!parsed.success) return json(400, { error: 'invalid faults', issues: parsed.error.issues });
    const wanted = parsed.data;
    const applied: Record<string, unknown> = {};
    if (wanted.clear === true) {
      dynamodb.closeWindows();
      sqs.closeWindows();
      applied.clear = true;
    }
    if (wanted.dynamodbThrottle !== undefined) {
      const until = dynamodb.openWindow({ name: 'throttle', matches: anyRequest, answer: DYNAMODB_THROTTLE, ...wanted.dynamodbThrottle });
      applied.dynamodbThrottle = { until: new Date(until).toISOString(), rate: wanted.dynamodbThrottle.rate };
    }
    if (wanted.sqsSendFailure !== undefined) {
      const until = sqs.openWindow({ name: 'send-failure', matches: isSqsSend, answer: SQS_INTERNAL_ERROR, ...wanted.sqsSendFailure });
      applied.sqsSendFailure = { until: new Date(until).toISOString(), rate: wanted.sqsSendFailure.rate };
    }
    if (wanted.workerCrash !== undefined) {
      const poller = pollers.get(wanted.workerCrash.function);
      if (poller === undefined) return json(404, { error: `no SQS-triggered function named ${wanted.workerCrash.function}` });
      applied.workerCrash = poller.simulateCrash({ afterMs: wanted.workerCrash.afterMs });
    }
    log.warn('faults injected', { applied });
    return json(200, { applied, ...report() });
  }

  return {
    handlerEndpoints: { dynamodb: dynamodb.url, sqs: sqs.url },
    routes: [
      { method: 'POST', path: '/_local/faults', handle: control },
      { method: 'GET', path: '/_local/faults', handle: control },
    ],
    registerPoller(functionName, poller) {
      pollers.set(functionName, poller);
    },
    async stop() {
      await Promise.allSettled(proxies.map((p) => p.stop()));
    },
  };
}
