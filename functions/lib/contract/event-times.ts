import type { FieldIssue } from './errors.ts';
import type { WebhookPayload } from './return-payload.ts';

/**
 * How far a sender's clock may run ahead of ours. An event time later than now plus this is
 * not a clock difference but a wrong (or hostile) time: accepted, it would order itself
 * after every genuine event to come and freeze the case.
 */
export const MAX_CLOCK_SKEW_MS = 5 * 60_000;

/**
 * The times in a canonical payload that say when something already happened, each checked
 * against `nowMs + MAX_CLOCK_SKEW_MS`. Promised times (`promisedShipBy`,
 * `promisedDeliveryAt`) may lie in the future and are not checked.
 *
 * @returns one issue per time in the future, naming its field; empty when all are in the past.
 * @example
 * futureTimeIssues(payload, Date.now()) // [{ field: 'occurredAt', problem: 'must not be later than …' }]
 */
export function futureTimeIssues(payload: WebhookPayload, nowMs: number): FieldIssue[] {
  const limit = nowMs + MAX_CLOCK_SKEW_MS;
  const problem = `must not be later than the receiver's clock plus ${MAX_CLOCK_SKEW_MS / 60_000} minutes (${new Date(limit).toISOString()})`;
  const issues: FieldIssue[] = [];
  const check = (field: string, iso: string | undefined) => {
    if (iso !== undefined && Date.parse(iso) > limit) issues.push({ field, problem });
  };
  check('occurredAt', payload.occurredAt);
  if (payload.eventType === 'return.cancelled' || payload.eventType === 'return.appealed') return issues;
  if (payload.eventType === 'replacement.shipment') {
    for (const [i, e] of payload.replacement.scans.entries()) check(`replacement.scans.${i}.at`, e.at);
    return issues;
  }
  if (payload.eventType === 'return.shipment') {
    for (const [i, e] of payload.shipment.scans.entries()) check(`shipment.scans.${i}.at`, e.at);
    check('shipment.receivedAt', payload.shipment.receivedAt);
    check('shipment.inspection.inspectedAt', payload.shipment.inspection?.inspectedAt);
    return issues;
  }
  const ret = payload.return;
  for (const key of ['orderedAt', 'shippedAt', 'deliveredAt', 'claimedAt'] as const) {
    check(`return.timeline.${key}`, ret.timeline[key]);
  }
  for (const [i, e] of (ret.carrier?.events ?? []).entries()) check(`return.carrier.events.${i}.at`, e.at);
  for (const [i, e] of ret.evidence.entries()) check(`return.evidence.${i}.submittedAt`, e.submittedAt);
  return issues;
}
