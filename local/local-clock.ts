import type { Clock } from '#lib/ports/clock.ts';

/**
 * LOCAL_CLOCK_RATE: a local-only knob that makes the escalation sweep see time pass faster.
 *
 * With LOCAL_CLOCK_RATE=R (> 1) the local runtime runs the scheduled functions on a clock that
 * starts at the real time when the runtime loads them and then advances R times faster
 * (R = 1440: one real minute is one day), so cases climb the agent → supervisor → manager
 * ladder and reach their default resolution within minutes:
 * - escalate-stale-cases, which the knob is for;
 * - relay-refund-outbox, because a default resolution stamps its outbox record with the
 *   escalation's (accelerated) time, and a relay on the real clock would see it as written in
 *   the future and leave it there until real time caught up. On the accelerated clock the
 *   relay's grace period is all but gone, so it re-publishes refunds their own request is
 *   still publishing: harmless by design (FIFO deduplication, the worker pays a refund id once).
 * Webhook signatures, intake decisions, staff actions and the refund worker keep the real
 * clock. Unset or 1: the functions load from their own entry files, exactly as Lambda runs
 * them. The CDK stacks never set it, and no production module reads it: the accelerated clock
 * is injected by local/*-local-clock.ts, which reuse the functions' own wiring and use cases.
 */
export function localClockRate(environment: NodeJS.ProcessEnv = process.env): number {
  const raw = environment.LOCAL_CLOCK_RATE;
  if (raw === undefined || raw === '') return 1;
  const rate = Number(raw);
  if (!Number.isFinite(rate) || rate < 1 || rate > 1_000_000) {
    throw new RangeError(`LOCAL_CLOCK_RATE must be a number from 1 to 1000000, got '${raw}'`);
  }
  return rate;
}

/** Shared by every accelerated clock in this process, so they all tell the same time. */
const processOriginMs = Date.now();

/** A clock that runs `rate` times faster than the system clock, from `originMs` on. */
export function acceleratedClock(rate: number, originMs: number = processOriginMs): Clock {
  return { now: () => new Date(originMs + (Date.now() - originMs) * rate) };
}
