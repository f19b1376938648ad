import { type FunctionSpec, functionManifest, timeoutSecondsOf } from '../functions/manifest.ts';
import type { HttpHandler } from './http-gateway.ts';
import { localClockRate } from './local-clock.ts';
import type { ScheduledHandler } from './scheduler.ts';
import type { SqsHandler } from './sqs-poller.ts';

/**
 * Every function the local runtime runs, and what triggers it: the function manifest
 * (functions/manifest.ts), which the CDK stacks read too, so names, routes, batch sizes and
 * schedules cannot differ between a laptop and AWS. `load` is a dynamic import on purpose:
 * entry files read their configuration at module load, so the runtime must set process.env
 * (endpoints, table, queue URLs) first.
 */
type Common = {
  /** Lambda function name locally; also the folder under functions/ (a staff write: the shared staff-command/). */
  functionName: string;
  /** @default per trigger: 30 s for HTTP and SQS, 60 s for schedules */
  timeoutSeconds?: number;
  memoryLimitInMB?: number;
};

export type HttpFunction = Common & {
  kind: 'http';
  method: string;
  /** API Gateway route path, e.g. `/cases/{id}`. */
  path: string;
  /** `jwt`: the gateway verifies a staff bearer token first, as API Gateway's JWT authorizer does. */
  auth?: 'jwt';
  load: () => Promise<{ handler: HttpHandler }>;
};

/** Queues the runtime provisions, by key; see provisionQueues() in local/provision.ts. */
export type QueueKey = 'refund' | 'notification';

export type SqsFunction = Common & {
  kind: 'sqs';
  queue: QueueKey;
  /** Messages per invocation, 1–10. */
  batchSize: number;
  load: () => Promise<{ handler: SqsHandler }>;
};

export type ScheduleFunction = Common & {
  kind: 'schedule';
  /** @default SCHEDULE_EVERY_MS of the runtime */
  everyMs?: number;
  load: () => Promise<{ handler: ScheduledHandler }>;
};

export type LocalFunction = HttpFunction | SqsFunction | ScheduleFunction;

/**
 * Local stand-ins: on the soak's accelerated clock (LOCAL_CLOCK_RATE > 1, local only, see
 * local/local-clock.ts) the two scheduled jobs run the same handler on that clock.
 */
const localClockEntries: Readonly<Record<string, () => Promise<{ handler: ScheduledHandler }>>> = {
  'relay-refund-outbox': () => import('./relay-refund-outbox-local-clock.ts'),
  'escalate-stale-cases': () => import('./escalate-stale-cases-local-clock.ts'),
};

function entryOf<H>(name: string): () => Promise<{ handler: H }> {
  return () => import(`../functions/${name}/index.ts`) as Promise<{ handler: H }>;
}

function localFunctionOf(spec: FunctionSpec): LocalFunction {
  const { trigger, name: functionName } = spec;
  switch (trigger.kind) {
    case 'http':
      // HTTP keeps the runtime's own 30 s default rather than Lambda's 10 s: DynamoDB Local
      // answers a transaction an order of magnitude slower than DynamoDB does.
      return {
        kind: 'http',
        method: trigger.method,
        path: trigger.path,
        functionName,
        ...(trigger.auth === 'staff-jwt' ? { auth: 'jwt' as const } : {}),
        load:
          spec.command === undefined
            ? entryOf<HttpHandler>(functionName)
            : // Every staff write shares one entry whose command is fixed when it is bundled for
              // Lambda; here, one process runs them all, each built from its manifest entry.
              async () => ({
                handler: (await import('../functions/lib/wiring/staff-command.ts')).staffCommandHandler(spec) as HttpHandler,
              }),
      };
    case 'sqs':
      return {
        kind: 'sqs',
        queue: trigger.queue,
        batchSize: trigger.batchSize,
        functionName,
        timeoutSeconds: timeoutSecondsOf(spec),
        load: entryOf<SqsHandler>(functionName),
      };
    case 'schedule': {
      const accelerated = localClockEntries[functionName];
      return {
        kind: 'schedule',
        functionName,
        timeoutSeconds: timeoutSecondsOf(spec),
        load: () => (accelerated !== undefined && localClockRate() > 1 ? accelerated() : entryOf<ScheduledHandler>(functionName)()),
      };
    }
  }
}

export const localFunctions: readonly LocalFunction[] = (functionManifest as readonly FunctionSpec[]).map(localFunctionOf);
