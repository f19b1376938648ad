import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { applyMarketplaceEvent } from '#lib/workflow/lifecycle.ts';
import type { CaseRecord } from '#lib/workflow/case.ts';
import type { ReasonCode } from '#lib/contract/reason-codes.ts';
import { WebhookPayloadSchema } from '#lib/contract/return-payload.ts';
import { defaultPolicy } from '#lib/decision/policy.ts';
import type { CaseStore } from '#lib/ports/case-store.ts';
import { aReturn, aReturnShipment, aWebhook, httpEvent, TEST_MARKETPLACE } from './webhook-factory.ts';

/**
 * Seller API test helpers: staff principals, API Gateway events carrying JWT authorizer
 * claims as API Gateway renders them (strings, lists as `[a b]`), and cases made by the real
 * intake logic and stored through the real CaseStore.commit.
 */

export type TestPrincipal = { readonly sellerId: string; readonly role: string; readonly userId: string };

export const roles = ['agent', 'supervisor', 'manager'] as const;

export function principal(sellerId: string, role: string, userId = `${role}-1`): TestPrincipal {
  return { sellerId, role, userId };
}

/** Claims of a verified Cognito ID token, in API Gateway's rendering. */
export function claimsFor(p: TestPrincipal): Record<string, string> {
  const now = Math.floor(Date.now() / 1000);
  return {
    sub: p.userId,
    'custom:sellerId': p.sellerId,
    'cognito:groups': `[${p.role}]`,
    token_use: 'id',
    iss: 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_test',
    aud: 'test-client',
    iat: String(now),
    exp: String(now + 3600),
  };
}

export type StaffRouteName =
  | 'list'
  | 'get'
  | 'history'
  | 'evidence'
  | 'approve'
  | 'override'
  | 'note'
  | 'assign'
  | 'returnShipment'
  | 'returnReceipt'
  | 'inspection'
  | 'claimFiling'
  | 'claimOutcome'
  | 'appeal';

export const staffRoutes: Readonly<Record<StaffRouteName, { method: string; path: string; suffix: string }>> = {
  list: { method: 'GET', path: '/cases', suffix: '' },
  get: { method: 'GET', path: '/cases/{id}', suffix: '' },
  history: { method: 'GET', path: '/cases/{id}/history', suffix: '/history' },
  evidence: { method: 'POST', path: '/cases/{id}/evidence', suffix: '/evidence' },
  approve: { method: 'POST', path: '/cases/{id}/approve', suffix: '/approve' },
  override: { method: 'POST', path: '/cases/{id}/override', suffix: '/override' },
  note: { method: 'POST', path: '/cases/{id}/notes', suffix: '/notes' },
  assign: { method: 'POST', path: '/cases/{id}/assign', suffix: '/assign' },
  returnShipment: { method: 'POST', path: '/cases/{id}/return-shipment', suffix: '/return-shipment' },
  returnReceipt: { method: 'POST', path: '/cases/{id}/return-receipt', suffix: '/return-receipt' },
  inspection: { method: 'POST', path: '/cases/{id}/inspection', suffix: '/inspection' },
  claimFiling: { method: 'POST', path: '/cases/{id}/carrier-claim/filing', suffix: '/carrier-claim/filing' },
  claimOutcome: { method: 'POST', path: '/cases/{id}/carrier-claim/outcome', suffix: '/carrier-claim/outcome' },
  appeal: { method: 'POST', path: '/cases/{id}/appeal', suffix: '/appeal' },
};

export type StaffRequest = {
  /** `null`: no authorizer claims at all (no token). */
  readonly as: TestPrincipal | null;
  /** Raw claims instead of a principal's (to try odd tokens). */
  readonly claims?: Record<string, unknown>;
  readonly caseId?: string;
  readonly query?: Record<string, string>;
  /** An object is sent as JSON; a string as it is. */
  readonly body?: unknown;
  /** A number is sent as a strong ETag `"n"`; a string as it is; null or absent: no header. */
  readonly ifMatch?: number | string | null;
  /** Extra headers; `null` leaves a header out (the JSON Content-Type is sent otherwise). */
  readonly headers?: Record<string, string | null>;
};

export function staffEvent(route: StaffRouteName, request: StaffRequest): APIGatewayProxyEventV2 {
  const { method, path, suffix } = staffRoutes[route];
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers ?? {})) if (value !== null) headers[name] = value;
  if (request.body !== undefined && request.headers?.['content-type'] === undefined) headers['content-type'] = 'application/json';
  if (typeof request.ifMatch === 'number') headers['if-match'] = `"${request.ifMatch}"`;
  if (typeof request.ifMatch === 'string') headers['if-match'] = request.ifMatch;
  const event = httpEvent({
    method,
    path: route === 'list' ? '/cases' : `/cases/${request.caseId ?? ''}${suffix}`,
    routeKey: `${method} ${path}`,
    ...(route === 'list' ? {} : { pathParameters: { id: request.caseId ?? '' } }),
    headers,
    ...(request.query === undefined ? {} : { queryStringParameters: request.query }),
    ...(request.body === undefined ? {} : { body: typeof request.body === 'string' ? request.body : JSON.stringify(request.body) }),
  });
  const claims = request.claims ?? (request.as === null ? undefined : claimsFor(request.as));
  if (claims !== undefined) {
    Object.assign(event.requestContext, { authorizer: { principalId: '', integrationLatency: 0, jwt: { claims, scopes: [] } } });
  }
  return event;
}

/** What the rule chain makes of the return (checked by the tests that rely on it). */
export type SeedShape =
  /** No evidence: NEEDS_REVIEW, recommending a CNY 399 return and refund (within an agent's limit). */
  | 'NEEDS_REVIEW'
  /** CNY 999 seller defect: DECIDED, refund above an agent's limit, waiting for approval. */
  | 'AWAITING_APPROVAL'
  /** CNY 399 seller defect: the refund held until the goods are back (#15). */
  | 'AWAITING_RETURN'
  /** The same, with the return received in the same first write: REFUND_PENDING, outbox record made. */
  | 'REFUND_PENDING';

export type SeedSpec = {
  readonly sellerId: string;
  readonly shape?: SeedShape;
  /** The first-response deadline counts from the claim time. */
  readonly claimedAt?: string;
  readonly reason?: ReasonCode;
  readonly urgent?: boolean;
  /** Store the case without a deadline (it lists last). */
  readonly noDeadline?: boolean;
  /** The marketplace's return id (Shopify's are numbers). */
  readonly returnId?: string;
};

const shapes: Record<SeedShape, Parameters<typeof aReturn>[0]> = {
  NEEDS_REVIEW: { evidence: [] },
  AWAITING_APPROVAL: { money: { currency: 'CNY', itemValue: 99_900, amountPaid: 99_900, shippingCost: 1_200 } },
  AWAITING_RETURN: {},
  REFUND_PENDING: {},
};

/** A case as intake would create it, committed through the store (outbox record included). */
export async function seedCase(store: CaseStore, spec: SeedSpec): Promise<CaseRecord> {
  const base = aReturn({
    ...shapes[spec.shape ?? 'NEEDS_REVIEW'],
    sellerId: spec.sellerId,
    ...(spec.urgent ? { safetyHazard: 'FIRE_RISK' } : {}),
    ...(spec.returnId === undefined ? {} : { marketplaceReturnId: spec.returnId }),
  });
  const claimedAt = spec.claimedAt ?? base.timeline.claimedAt;
  const ret = { ...base, ...(spec.reason === undefined ? {} : { reason: spec.reason }), timeline: { ...base.timeline, claimedAt } };
  const payload = WebhookPayloadSchema.parse(aWebhook('return.requested', ret, { occurredAt: claimedAt }));
  const outcome = applyMarketplaceEvent(undefined, payload, { marketplace: TEST_MARKETPLACE, now: claimedAt, policy: defaultPolicy });
  if (outcome.kind !== 'CHANGE') throw new Error(`intake ignored the seeded case: ${outcome.reason}`);
  let first = outcome;
  if (spec.shape === 'REFUND_PENDING') {
    // The return received too, replayed within this first write (as held events are at intake).
    const receipt = applyMarketplaceEvent({ ...outcome.next, version: 0 }, WebhookPayloadSchema.parse(aReturnShipment(ret)), {
      marketplace: TEST_MARKETPLACE,
      now: claimedAt,
      policy: defaultPolicy,
    });
    if (receipt.kind !== 'CHANGE') throw new Error(`the return receipt was ignored: ${receipt.reason}`);
    first = { ...receipt, events: [...outcome.events, ...receipt.events.map((e, i) => ({ ...e, seq: outcome.events.length + i }))] };
  }
  let next: CaseRecord = first.next;
  if (spec.noDeadline) {
    const { dueAt: _dueAt, ...rest } = next;
    next = rest;
  }
  await store.commit({
    next,
    expectedVersion: 0,
    events: first.events,
    ...(first.outbox === undefined ? {} : { outbox: first.outbox }),
  });
  return next;
}
