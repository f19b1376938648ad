import type { RefundMessage } from '#lib/contract/refund-message.ts';
import { type PaymentReference, WebhookPayloadSchema } from '#lib/contract/return-payload.ts';
import { defaultPolicy } from '#lib/decision/policy.ts';
import type { CaseStore } from '#lib/ports/case-store.ts';
import type { CaseRecord } from '#lib/workflow/case.ts';
import { applyMarketplaceEvent } from '#lib/workflow/lifecycle.ts';
import { aReturn, aReturnShipment, aWebhook } from './webhook-factory.ts';

/**
 * A CNY 399.00 seller-defect case naming the given payments, its goods already back: committed
 * REFUND_PENDING through the store with its outbox record, as intake would leave it (#16).
 */
export async function pendingRefundCase(
  store: CaseStore,
  payments: readonly PaymentReference[],
): Promise<{ c: CaseRecord; message: RefundMessage }> {
  const ret = aReturn({ payments: [...payments] });
  const now = new Date().toISOString();
  const ctx = { marketplace: 'demo-market', now, policy: defaultPolicy };
  const requested = applyMarketplaceEvent(
    undefined,
    WebhookPayloadSchema.parse(aWebhook('return.requested', ret, { occurredAt: now })),
    ctx,
  );
  if (requested.kind !== 'CHANGE') throw new Error('a new case');
  const received = applyMarketplaceEvent({ ...requested.next, version: 0 }, WebhookPayloadSchema.parse(aReturnShipment(ret)), ctx);
  if (received.kind !== 'CHANGE' || received.outbox === undefined) throw new Error('a refund due on receipt');
  const events = [...requested.events, ...received.events.map((e, i) => ({ ...e, seq: requested.events.length + i }))];
  await store.commit({ next: received.next, expectedVersion: 0, events, outbox: received.outbox });
  return { c: received.next, message: received.outbox.message };
}
