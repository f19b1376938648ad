import type { CaseStore } from '../ports/case-store.ts';
import type { Clock } from '../ports/clock.ts';
import type { RefundQueue } from '../ports/refund-queue.ts';
import { publishRefund } from './publish-refund.ts';

export type RelayRefundOutboxDeps = { readonly store: CaseStore; readonly refunds: RefundQueue; readonly clock: Clock };

export type RelayRefundOutboxResult = { readonly found: number; readonly published: number; readonly failed: number };

/** An outbox record younger than this is probably being published by its own request. */
export const DEFAULT_OUTBOX_GRACE_MS = 60_000;

/**
 * Re-publishes refunds whose outbox record outlived the request that created it (the
 * process died, or SQS refused, between commit and publish).
 *
 * Steps:
 * 1. Read at most `limit` outbox records older than the grace period from the sparse index.
 * 2. Publish each and clear it; a failure stays for the next run.
 * A publish that races the original request's own publish is harmless: SQS FIFO drops the
 * repeat by its deduplication id, and the worker pays each refund id once.
 */
export async function relayRefundOutbox(
  deps: RelayRefundOutboxDeps,
  options: { graceMs?: number; limit?: number } = {},
): Promise<RelayRefundOutboxResult> {
  const olderThan = new Date(deps.clock.now().getTime() - (options.graceMs ?? DEFAULT_OUTBOX_GRACE_MS)).toISOString();
  const pending = await deps.store.listPendingOutbox({ olderThan, limit: options.limit ?? 100 });
  let published = 0;
  for (const record of pending) {
    if ((await publishRefund(deps, record)) !== 'PUBLISH_FAILED') published += 1;
  }
  return { found: pending.length, published, failed: pending.length - published };
}
