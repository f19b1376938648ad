import { Writable } from 'node:stream';
import type { ScheduledEvent } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createConsoleLogger } from '#local/console-logger.ts';
import { startScheduler } from '#local/scheduler.ts';

/** The local schedule: EventBridge's event shape, no overlapping runs, failures only logged. */

let logged = '';
const log = createConsoleLogger({
  level: 'info',
  stream: new Writable({
    write(chunk, _enc, done) {
      logged += String(chunk);
      done();
    },
  }),
  errorStream: new Writable({
    write(chunk, _enc, done) {
      logged += String(chunk);
      done();
    },
  }),
});

beforeEach(() => {
  logged = '';
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('startScheduler', () => {
  it('invokes the handler with an EventBridge Scheduled Event on every tick', async () => {
    const events: ScheduledEvent[] = [];
    const scheduler = startScheduler({
      name: 'escalate-stale-cases',
      everyMs: 1_000,
      log,
      handler: async (event) => void events.push(event),
    });

    await vi.advanceTimersByTimeAsync(2_000);
    await scheduler.stop();

    expect(events).toHaveLength(2);
    expect(events[0]).toMatchObject({
      version: '0',
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      account: '000000000000',
      region: 'us-east-1',
      resources: ['arn:aws:events:us-east-1:000000000000:rule/escalate-stale-cases'],
      detail: {},
    });
    expect(events[0]?.time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    expect(events[0]?.id).not.toBe(events[1]?.id);
  });

  it('skips a tick while a run is still in flight, and logs it', async () => {
    let release: () => void = () => {};
    let runs = 0;
    const scheduler = startScheduler({
      name: 'slow',
      everyMs: 1_000,
      log,
      handler: () => {
        runs += 1;
        return new Promise<void>((resolve) => (release = resolve));
      },
    });

    await vi.advanceTimersByTimeAsync(3_000);
    expect(runs).toBe(1);
    expect(logged).toContain('tick skipped');

    release();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(runs).toBe(2);
    release();
    await scheduler.stop();
  });

  it('logs a throwing handler and keeps ticking', async () => {
    let runs = 0;
    const scheduler = startScheduler({
      name: 'flaky',
      everyMs: 1_000,
      log,
      handler: async () => {
        runs += 1;
        throw new Error('boom');
      },
    });

    await vi.advanceTimersByTimeAsync(2_000);
    await scheduler.stop();

    expect(runs).toBe(2);
    expect(logged).toContain('run failed');
    expect(logged).toContain('boom');
  });

  it('runNow returns the handler result and uses the Scheduler source when asked', async () => {
    const seen: ScheduledEvent[] = [];
    const scheduler = startScheduler({
      name: 'manual',
      everyMs: 60_000,
      source: 'aws.scheduler',
      log,
      handler: async (event) => {
        seen.push(event);
        return { escalated: 3 };
      },
    });

    await expect(scheduler.runNow()).resolves.toEqual({ escalated: 3 });
    await scheduler.stop();
    expect(seen[0]?.resources).toEqual(['arn:aws:scheduler:us-east-1:000000000000:schedule/default/manual']);
    expect(seen[0]?.source).toBe('aws.scheduler');
  });
});
