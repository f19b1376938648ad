import { scheduledHandler } from '#lib/schedule/scheduled-handler.ts';
import { relayRefundOutbox } from '#lib/use-cases/relay-refund-outbox.ts';
import { caseStore } from '#lib/wiring/case-store.ts';
import { refundQueue } from '#lib/wiring/refund-queue.ts';
import { acceleratedClock, localClockRate } from './local-clock.ts';

/**
 * Local only (LOCAL_CLOCK_RATE > 1, see local/local-clock.ts): functions/relay-refund-outbox
 * with the same wiring and use case on the accelerated clock the escalation sweep uses, so it
 * finds the outbox records that sweep stamps. Keep it in step with the entry file; only
 * `clock` may differ.
 */

const deps = { store: caseStore(), refunds: refundQueue(), clock: acceleratedClock(localClockRate()) };

export const handler = scheduledHandler('relay-refund-outbox', () => relayRefundOutbox(deps));
