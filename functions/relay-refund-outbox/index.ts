import { systemClock } from '#lib/ports/clock.ts';
import { scheduledHandler } from '#lib/schedule/scheduled-handler.ts';
import { relayRefundOutbox } from '#lib/use-cases/relay-refund-outbox.ts';
import { caseStore } from '#lib/wiring/case-store.ts';
import { refundQueue } from '#lib/wiring/refund-queue.ts';

const deps = { store: caseStore(), refunds: refundQueue(), clock: systemClock };

/** Scheduled: re-publishes refunds left in the outbox by a crash between commit and publish. */
export const handler = scheduledHandler('relay-refund-outbox', () => relayRefundOutbox(deps));
