import type { EscalationLevel, CaseRecord } from '#lib/workflow/case.ts';
import { applyMarketplaceEvent } from '#lib/workflow/lifecycle.ts';
import { WebhookPayloadSchema } from '#lib/contract/return-payload.ts';
import { defaultPolicy, type Policy } from '#lib/decision/policy.ts';
import type { CaseCommit, CaseStore } from '#lib/ports/case-store.ts';
import { aReturn, aReturnShipment, aWebhook, TEST_MARKETPLACE } from './webhook-factory.ts';

/**
 * Cases built by the real intake logic (payload schema, rule chain, decideCase) and stored
 * through the real CaseStore.commit, so every index attribute is the one production writes.
 * A spec may then place the case at an escalation level with a chosen deadline, as earlier
 * escalations would have.
 */

/** What the rule chain makes of the return (checked by the tests that use it). */
export type CaseShape =
  /** CNY 999 seller defect: above an agent's authority, DECIDED and waiting for approval. */
  | 'AWAITING_APPROVAL'
  /** No evidence at all: NEEDS_REVIEW. */
  | 'NEEDS_REVIEW'
  /** CNY 399 seller defect within an agent's authority: the refund held for the goods (#15). */
  | 'AWAITING_RETURN'
  /** The same, with the return received in the same write: REFUND_PENDING, its outbox record made. */
  | 'REFUND_PENDING';

export type CaseSpec = {
  readonly shape: CaseShape;
  /** A safety hazard makes the case URGENT (2-hour first response in the default policy). */
  readonly urgent?: boolean;
  /** The buyer's claim time; the first-response deadline counts from it. */
  readonly claimedAt?: string;
  /** Place the case at this level with this deadline (as if escalated before). */
  readonly level?: EscalationLevel;
  readonly dueAt?: string;
  /** Fields of the return to set beyond the shape's (e.g. another reason or remedy). */
  readonly returnOverrides?: Parameters<typeof aReturn>[0];
};

const shapes: Record<CaseShape, Parameters<typeof aReturn>[0]> = {
  AWAITING_APPROVAL: { money: { currency: 'CNY', itemValue: 99_900, amountPaid: 99_900, shippingCost: 1_200 } },
  NEEDS_REVIEW: { evidence: [] },
  AWAITING_RETURN: {},
  REFUND_PENDING: {},
};

/** The first commit of a new case, as intake would make it. */
export function newCaseCommit(spec: CaseSpec, options: { now?: string; policy?: Policy; marketplace?: string } = {}): CaseCommit {
  const ret = aReturn({ ...shapes[spec.shape], ...(spec.urgent ? { safetyHazard: 'FIRE_RISK' } : {}), ...spec.returnOverrides });
  const claimedAt = spec.claimedAt ?? ret.timeline.claimedAt;
  const payload = WebhookPayloadSchema.parse(
    aWebhook('return.requested', { ...ret, timeline: { ...ret.timeline, claimedAt } }, { occurredAt: claimedAt }),
  );
  const outcome = applyMarketplaceEvent(undefined, payload, {
    marketplace: options.marketplace ?? TEST_MARKETPLACE,
    now: options.now ?? claimedAt,
    policy: options.policy ?? defaultPolicy,
  });
  if (outcome.kind !== 'CHANGE') throw new Error(`intake ignored the test case: ${outcome.reason}`);
  let first = outcome;
  if (spec.shape === 'REFUND_PENDING') {
    // The return received too, replayed within this first write (as held events are at intake).
    const ctx = {
      marketplace: options.marketplace ?? TEST_MARKETPLACE,
      now: options.now ?? claimedAt,
      policy: options.policy ?? defaultPolicy,
    };
    const receipt = applyMarketplaceEvent({ ...outcome.next, version: 0 }, WebhookPayloadSchema.parse(aReturnShipment(ret)), ctx);
    if (receipt.kind !== 'CHANGE') throw new Error(`the return receipt was ignored: ${receipt.reason}`);
    first = {
      ...receipt,
      events: [...outcome.events, ...receipt.events.map((e, i) => ({ ...e, seq: outcome.events.length + i }))],
    };
  }
  const next: CaseRecord = {
    ...first.next,
    ...(spec.level === undefined ? {} : { escalationLevel: spec.level }),
    ...(spec.dueAt === undefined ? {} : { dueAt: spec.dueAt }),
  };
  return { next, expectedVersion: 0, events: first.events, ...(first.outbox === undefined ? {} : { outbox: first.outbox }) };
}

/** Stores the cases through CaseStore.commit, `batch` at a time; returns them as stored. */
export async function seedCases(
  store: CaseStore,
  specs: readonly CaseSpec[],
  options: { batch?: number; now?: string } = {},
): Promise<CaseRecord[]> {
  const batch = options.batch ?? 50;
  const stored: CaseRecord[] = [];
  for (let i = 0; i < specs.length; i += batch) {
    const commits = specs.slice(i, i + batch).map((spec) => newCaseCommit(spec, options.now === undefined ? {} : { now: options.now }));
    await Promise.all(commits.map((c) => store.commit(c)));
    stored.push(...commits.map((c) => c.next));
  }
  return stored;
}
