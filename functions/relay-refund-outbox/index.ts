import { scheduledHandler } from '#lib/schedule/scheduled-handler.ts';
import { relayRefundOutbox } from '#lib/use-cases/relay-refund-outbox.ts';
import { relayRefundOutboxDeps } from '#lib/wiring.ts';

const deps = relayRefundOutboxDeps();

/** Scheduled: re-publishes refunds left in the outbox by a crash between commit and publish. */
export const handler = scheduledHandler('relay-refund-outbox', () => relayRefundOutbox(deps));
