import type { CaseRecord } from '../workflow/case.ts';
import type { EventType, WebhookPayload } from '../contract/return-payload.ts';
import type { SignatureCheck } from '../contract/webhook-signature.ts';
import type { MarketplaceOrderReader } from './marketplace-order-reader.ts';

/**
 * The port every marketplace format implements: verify a delivery as that marketplace signs
 * it, then translate it into the canonical payload v1. After translation every format takes
 * the same path (delivery dedupe, applyMarketplaceEvent, one conditional commit, publish),
 * so adding a marketplace is one folder (its adapter, settings and published bodies) plus its
 * entry in the registry (functions/lib/marketplaces/index.ts).
 *
 * Adapters are pure: no I/O, no clock, no environment. What they need from storage (the
 * case as read) and from the clock (`receivedAt`) the use case hands them.
 */

/** One delivery as it reached the HTTP route. Header names are lower-case. */
export type InboundWebhook = {
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly rawBody: string;
};

/** Non-personal identifiers worth a log line (topic, the marketplace's own delivery ids). */
export type DeliveryLogContext = Readonly<Record<string, string>>;

/**
 * A delivery parsed and validated, before any state is read. It names the dedupe key and
 * the return it concerns, so the use case can check the key and read the case; the
 * adapter's own parsed form travels in `data`.
 */
export type ParsedDelivery<D = unknown> = {
  readonly kind: 'PARSED';
  /**
   * The canonical delivery id: the key of the conditional delivery record. Every delivery
   * that must count as "the same" maps to the same id (a retry, or one event delivered twice).
   */
  readonly deliveryId: string;
  /**
   * What must be equal for a second delivery under the same id to be a retry and not a
   * conflict (409). Canonical: a hash of the raw body. A marketplace that re-sends one event
   * with a different body (another API version) hashes the event's identity instead.
   */
  readonly fingerprint: string;
  /**
   * More dedupe keys, recorded with `deliveryId`. A format whose event ids travel outside
   * the signature derives one from what is signed (the body), so a signed body replayed
   * under a fresh id is a duplicate, not a new event.
   */
  readonly aliases?: readonly string[];
  readonly marketplaceReturnId: string;
  readonly eventType: EventType;
  readonly log: DeliveryLogContext;
  /**
   * The adapter's own parsed form. Plain JSON: a delivery that arrives before its return is
   * stored as it is and translated again when the return arrives.
   */
  readonly data: D;
};

/**
 * A delivery whose body names no return (Shopify's `reverse_fulfillment_orders/dispose` names
 * only the reverse fulfilment order): the adapter's `locate` finds the return through the
 * marketplace's API before anything is read or written. Dedupe keys are known already, so a
 * duplicate is answered without asking the marketplace.
 */
export type UnlocatedDelivery<D = unknown> = Omit<ParsedDelivery<D>, 'kind' | 'marketplaceReturnId'> & {
  readonly kind: 'UNLOCATED';
};

/** A delivery to acknowledge (2xx) and otherwise ignore: nothing is read or written. */
export type IgnoredDelivery = {
  readonly kind: 'IGNORE';
  readonly reason: string;
  readonly deliveryId: string;
  readonly log: DeliveryLogContext;
};

/** The result of translating a parsed delivery against the case as read. */
export type Translation =
  | { readonly kind: 'PAYLOAD'; readonly payload: WebhookPayload }
  | { readonly kind: 'IGNORE'; readonly reason: string }
  /**
   * The delivery needs the stored return and there is none yet (it overtook its request):
   * the use case holds it and translates it again in the write that creates the case.
   */
  | { readonly kind: 'AWAIT_RETURN' };

export type TranslateContext = {
  readonly marketplace: string;
  /** ISO time the delivery was received (the use case's clock). */
  readonly receivedAt: string;
  /** The case as read for this attempt; the commit is conditional on its version. */
  readonly existing: CaseRecord | undefined;
};

export interface MarketplaceAdapter<D = unknown> {
  /** The wire format's name, for logs and docs: `canonical-v1`, `shopify-returns`. */
  readonly format: string;
  /**
   * Verifies the delivery's signature against every currently valid secret (two during a
   * rotation), in constant time. Runs before anything in the body is parsed.
   */
  verify(request: InboundWebhook, secrets: readonly string[], nowSeconds: number): SignatureCheck;
  /**
   * Validates headers and body. Throws MalformedJsonError or ValidationError (naming the
   * field or header) for what the sender must fix; answers IGNORE for what it may send but
   * this service does not act on.
   */
  parse(
    request: InboundWebhook,
    context: { readonly marketplace: string; readonly receivedAt: string },
  ): ParsedDelivery<D> | UnlocatedDelivery<D> | IgnoredDelivery;
  /**
   * Required when `parse` can answer UNLOCATED: finds the return the delivery is about through
   * the marketplace's API, answering the delivery located (its facts from the API in `data`)
   * or IGNORE when the marketplace knows no such return; throws DependencyUnavailableError when
   * it cannot be asked (503, nothing written, the sender retries).
   */
  locate?(unlocated: UnlocatedDelivery<D>, orders: MarketplaceOrderReader): Promise<ParsedDelivery<D> | IgnoredDelivery>;
  /**
   * Builds the canonical payload for this delivery. Formats that send deltas or omit
   * identifiers merge onto `context.existing`. Must return a payload that passes
   * WebhookPayloadSchema, with honest defaults for facts the format lacks (no invented
   * evidence), or IGNORE.
   */
  translate(parsed: ParsedDelivery<D>, context: TranslateContext): Translation;
  /**
   * Optional: completes a new case's return with facts the format's webhooks lack, read from
   * the marketplace's own API (Shopify: the order's prices, currency, shipping, dates and
   * tracking). Answers the payload unchanged when the marketplace knows no such order; throws
   * when it cannot be asked (the use case answers 503, nothing written, the sender retries).
   * Never makes a valid payload invalid: a fact that would not fit is left out.
   */
  enrich?(payload: WebhookPayload, parsed: ParsedDelivery<D>, orders: MarketplaceOrderReader): Promise<WebhookPayload>;
}

/** Marketplace id (the `{marketplace}` path segment) → the adapter for its format. */
export interface MarketplaceRegistry {
  adapterFor(marketplace: string): MarketplaceAdapter;
}
