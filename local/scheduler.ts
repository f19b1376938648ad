import { randomUUID } from 'node:crypto';
import type { Context, ScheduledEvent } from 'aws-lambda';
import { createConsoleLogger, type LocalLogger } from './console-logger.ts';
import { createLambdaContext, DEFAULT_REGION, invokeWithTimeout, LOCAL_ACCOUNT_ID } from './lambda-context.ts';

/**
 * A local EventBridge schedule: invokes a handler every `everyMs` with the "Scheduled Event"
 * EventBridge sends. Unlike EventBridge it never overlaps runs: locally one slow run (say,
 * at a breakpoint) would otherwise pile up invocations that all race over the same cases.
 */

export type ScheduledHandler = (event: ScheduledEvent<Record<string, never>>, context: Context) => Promise<unknown>;

export type SchedulerOptions = {
  /** The function's name; also names the rule or schedule in the event's resources. */
  name: string;
  everyMs: number;
  handler: ScheduledHandler;
  /** 'aws.events' for an EventBridge rule, 'aws.scheduler' for EventBridge Scheduler. @default 'aws.events' */
  source?: 'aws.events' | 'aws.scheduler';
  /** @default 60 */
  timeoutSeconds?: number;
  region?: string;
  accountId?: string;
  log?: LocalLogger;
};

export type Scheduler = {
  /** Runs once now (after a run in flight, never alongside it); rejects if the handler throws. */
  runNow(): Promise<unknown>;
  /** Stops the timer and waits for a run in flight. */
  stop(): Promise<void>;
};

/** The event EventBridge delivers to a scheduled target. */
export function buildScheduledEvent(options: {
  name: string;
  source: 'aws.events' | 'aws.scheduler';
  region: string;
  accountId: string;
  now?: Date;
}): ScheduledEvent<Record<string, never>> {
  const { name, source, region, accountId } = options;
  const resource =
    source === 'aws.scheduler'
      ? `arn:aws:scheduler:${region}:${accountId}:schedule/default/${name}`
      : `arn:aws:events:${region}:${accountId}:rule/${name}`;
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Scheduled Event',
    source,
    account: accountId,
    // EventBridge writes whole seconds: 2026-03-01T12:00:00Z.
    time: (options.now ?? new Date()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region,
    resources: [resource],
    detail: {},
  };
}

export function startScheduler(options: SchedulerOptions): Scheduler {
  const { name, everyMs, handler } = options;
  if (!Number.isFinite(everyMs) || everyMs < 100) throw new RangeError(`everyMs must be at least 100, got ${everyMs}`);
  const log = (options.log ?? createConsoleLogger()).child(`schedule:${name}`);
  const region = options.region ?? DEFAULT_REGION;
  const accountId = options.accountId ?? LOCAL_ACCOUNT_ID;
  const source = options.source ?? 'aws.events';
  const timeoutSeconds = options.timeoutSeconds ?? 60;
  let running: Promise<unknown> | undefined;
  let stopped = false;

  async function invokeOnce(): Promise<unknown> {
    const event = buildScheduledEvent({ name, source, region, accountId });
    const context = createLambdaContext({ functionName: name, timeoutSeconds, region, accountId });
    const startedAt = Date.now();
    try {
      const result = await invokeWithTimeout(handler, event, context, timeoutSeconds);
      log.info('run finished', { awsRequestId: context.awsRequestId, ms: Date.now() - startedAt });
      return result;
    } catch (error) {
      log.error('run failed', { awsRequestId: context.awsRequestId, error });
      throw error;
    }
  }

  function begin(): Promise<unknown> {
    const run = invokeOnce().finally(function clearRunning() {
      if (running === run) running = undefined;
    });
    running = run;
    return run;
  }

  function onTick(): void {
    if (running !== undefined) {
      log.warn('previous run still in flight; tick skipped');
      return;
    }
    // Already logged in invokeOnce; a timer tick has nobody to report the failure to.
    begin().catch(function alreadyLogged() {});
  }

  const timer = setInterval(onTick, everyMs);
  // The schedule alone never keeps a process alive; the runtime's HTTP server does that.
  timer.unref();
  log.info('scheduled', { everyMs, source });

  return {
    runNow: async function runNow() {
      if (stopped) throw new Error(`scheduler ${name} is stopped`);
      // Wait out a run in flight (its failure is not ours to report), then start a fresh one.
      while (running !== undefined) await running.catch(function ignoreEarlierFailure() {});
      return begin();
    },
    stop: async function stop() {
      stopped = true;
      clearInterval(timer);
      if (running !== undefined) await running.catch(function alreadyLogged() {});
    },
  };
}
