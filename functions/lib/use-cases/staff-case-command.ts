import type { StaffPrincipal } from '../contract/staff-claims.ts';
import type { CaseRecord, HistoryEvent } from '../workflow/case.ts';
import { ConcurrentModificationError, NotFoundError, StaleVersionError } from '../contract/errors.ts';
import type { StaffActionContext, StaffChange } from '../workflow/staff-actions.ts';
import { syncCarrierClaim } from '../workflow/carrier-claim.ts';
import type { CaseStore } from '../ports/case-store.ts';
import type { Clock } from '../ports/clock.ts';
import type { PolicyProvider } from '../ports/policy-provider.ts';
import type { RefundQueue } from '../ports/refund-queue.ts';
import { type PublishOutcome, publishRefund } from './publish-refund.ts';

/**
 * The frame every staff write shares: read the caller's own case, check the If-Match
 * version, let a pure domain function compute the change, and commit it in one conditional
 * transaction on that version. A refund the change made due is published after the commit.
 */

export type StaffCommandDeps = {
  readonly store: CaseStore;
  readonly policies: PolicyProvider;
  readonly clock: Clock;
};

export type StaffCommandInput = {
  readonly principal: StaffPrincipal;
  readonly caseId: string;
  /** The case version from the request's If-Match header. */
  readonly expectedVersion: number;
};

export type StaffCommandResult = {
  readonly case: CaseRecord;
  readonly events: readonly HistoryEvent[];
  /** Set when the change made a refund due: its id and whether it reached the queue yet. */
  readonly refund?: { readonly refundId: string; readonly publish: PublishOutcome };
};

/**
 * The case if it belongs to the principal's seller. Another seller's case is answered
 * exactly like a case that does not exist, so ids cannot be probed across tenants.
 */
export async function loadOwnCase(store: CaseStore, principal: StaffPrincipal, caseId: string): Promise<CaseRecord> {
  const found = await store.getCase(caseId);
  if (found === undefined || found.sellerId !== principal.sellerId) throw new NotFoundError(`Case ${caseId} not found`);
  return found;
}

/**
 * Runs one staff write.
 *
 * Steps:
 * 1. Read the case, scoped to the caller's seller (404 otherwise).
 * 2. The stored version must be the If-Match version (412 otherwise, naming the current one).
 * 3. `change` computes the next state and history from the case as read (pure; it throws the
 *    domain's 400/403/409 errors).
 * 4. Commit case + events + outbox record conditional on the If-Match version. A writer that
 *    got there first turns this into 412: the caller saw an older case, so it must re-read,
 *    not be retried blindly.
 * 5. Publish a refund that became due (the outbox relay retries a failure).
 */
export async function runStaffCommand(
  deps: StaffCommandDeps & { readonly refunds?: RefundQueue },
  input: StaffCommandInput,
  change: (current: CaseRecord, ctx: StaffActionContext) => StaffChange | Promise<StaffChange>,
): Promise<StaffCommandResult> {
  const { store } = deps;
  const { principal } = input;
  const current = await loadOwnCase(store, principal, input.caseId);
  if (current.version !== input.expectedVersion) {
    throw new StaleVersionError(
      `Case ${input.caseId} is at version ${current.version}, not ${input.expectedVersion}; read it again`,
      current.version,
    );
  }
  const ctx: StaffActionContext = {
    now: deps.clock.now().toISOString(),
    actor: { kind: 'STAFF', id: principal.userId, role: principal.role },
    role: principal.role,
    policy: deps.policies.policyFor(current.marketplace, current.sellerId),
  };
  // A decision that puts cost on the carrier opens (or moves) its carrier claim (#19).
  const outcome = syncCarrierClaim(await change(current, ctx), { now: ctx.now, policy: ctx.policy, actor: ctx.actor });
  try {
    await store.commit({
      next: outcome.next,
      expectedVersion: input.expectedVersion,
      events: outcome.events,
      ...(outcome.outbox === undefined ? {} : { outbox: outcome.outbox }),
    });
  } catch (error) {
    if (!(error instanceof ConcurrentModificationError)) throw error;
    const now = await store.getCase(input.caseId);
    throw new StaleVersionError(
      `Case ${input.caseId} changed while this request was being handled (now version ${now?.version ?? 'unknown'}); read it again`,
      now?.version ?? -1,
    );
  }
  const result = { case: outcome.next, events: outcome.events };
  if (outcome.outbox === undefined) return result;
  // Without a queue (a command that never expects money to move) the relay publishes it.
  const publish = deps.refunds === undefined ? 'PUBLISH_FAILED' : await publishRefund({ store, refunds: deps.refunds }, outcome.outbox);
  return { ...result, refund: { refundId: outcome.outbox.refundId, publish } };
}
