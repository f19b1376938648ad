import { caseIdFor } from '#lib/workflow/case.ts';
import type { EventType, WebhookPayloadInput } from '#lib/contract/return-payload.ts';
import { signatureHeader } from '#lib/contract/webhook-signature.ts';
import { DEV_WEBHOOK_SECRETS } from '../dev-secrets.ts';
import { buildSamplePayload, DEV_SHOPIFY_SELLER } from '../sample-webhook.ts';
import type { Recorder } from './stats.ts';
import type { Random } from './random.ts';

/**
 * Marketplace traffic for the soak: signed canonical webhooks at a steady rate, mixing new
 * returns with the awkward deliveries real marketplaces send (exact and concurrent
 * duplicates, out-of-order and early updates, cancellations, a reused delivery id with
 * another body), with hostile ones (a cancel before its request, a cancel naming another
 * seller, times far in the future, numbers DynamoDB cannot store, evidence at the size
 * limits) and with requests that must be refused (bad signatures, malformed bodies).
 *
 * It keeps a model of what it sent and what was answered, which the invariant checker
 * compares with the table afterwards: the returns the system accepted, the deliveries it
 * committed, and the would-be case and delivery ids of every request that had to write
 * nothing. Well-formed deliveries answered 5xx (or not at all) are retried the way a
 * marketplace retries: same body and delivery id, fresh signature, growing pauses.
 */

export const SOAK_MARKETPLACE = 'demo-market';
/** The seller whose refunds the runtime routes through Stripe (its stand-in, the official SDK). */
export const STRIPE_SOAK_SELLER = 'SOAK-SELLER-3';
/**
 * The seller whose refunds the runtime routes through Shopify (its Admin API stand-in, the
 * official client): the development shop's seller, the one shop SHOPIFY_SHOPS names locally.
 */
export const SHOPIFY_SOAK_SELLER = DEV_SHOPIFY_SELLER;
export const SOAK_SELLERS = ['SOAK-SELLER-1', 'SOAK-SELLER-2', STRIPE_SOAK_SELLER, SHOPIFY_SOAK_SELLER] as const;
/** What each Shopify order of the soak captured, in the order's currency: more than any refund of one case. */
const SHOPIFY_CAPTURED = 10_000_000;
/** What each Stripe payment of the soak captured: more than any refund or top-up of one case. */
const STRIPE_CAPTURED = 10_000_000;

const DAY_MS = 24 * 3600 * 1000;
const MAX_RETRIES = 4;
const REQUEST_TIMEOUT_MS = 35_000;

/** Facts that lead the rule chain to different outcomes (checked against the default policy). */
const templates = {
  /** Defect shown by a photo, within an agent's authority: refund due at once. */
  defect: {},
  /** The same above an agent's authority: DECIDED, waits for a supervisor. */
  expensive: { money: { currency: 'EUR', itemValue: 25_000, amountPaid: 25_000, shippingCost: 900 } },
  /** Transit damage claimed with no evidence: NEEDS_REVIEW. */
  unproven: { reason: 'LOGISTICS_DAMAGED_IN_TRANSIT', evidence: [] },
  /** A no-reason return long outside the window: REJECTED. */
  late: { reason: 'BUYER_NO_REASON_RETURN', evidence: [], listing: {} },
  /** Parcel lost: full refund, carrier claim. */
  lost: { reason: 'LOGISTICS_LOST', evidence: [] },
  /** Colour not as listed, partial refund asked: compensation. */
  colour: { reason: 'PRODUCT_COLOUR_DIFFERENCE', requestedRemedy: 'PARTIAL_REFUND' },
} as const;
type TemplateName = keyof typeof templates;
const templateNames = Object.keys(templates) as TemplateName[];

export type Delivery = {
  readonly deliveryId: string;
  readonly body: string;
  readonly returnId: string;
  signedAt: number;
  header: string;
  /** Answered 202 with duplicate:false: the system recorded this delivery. */
  committed: boolean;
};

export type TrackedReturn = {
  readonly returnId: string;
  readonly caseId: string;
  readonly orderId: string;
  readonly sellerId: string;
  template: TemplateName;
  /** occurredAt (ms) of the newest event sent for this return. */
  newestOccurredAt: number;
  /** A 202 showed the case exists (created, updated, or answered as a duplicate of it). */
  accepted: boolean;
  cancelSent: boolean;
  /**
   * A cancellation was accepted: answered 202 with `held: true` (kept until the request
   * comes) or with the case CANCELLED. Nothing may be paid for this return.
   */
  cancelAccepted: boolean;
  /** Seller staff settled the case with a reship (override answered 200): its replacement parcel can follow. */
  reship?: boolean;
};

/** A cancellation naming another seller and order than the (existing) case: must change nothing. */
export type CrossSellerCancel = {
  readonly marketplace: string;
  readonly caseId: string;
  readonly deliveryId: string;
  /** The final answer (after marketplace retries of 5xx); must be 409. */
  status: number;
};

/** A request that must be refused and must write nothing. */
export type MustWriteNothing = {
  readonly kind: string;
  readonly marketplace: string;
  readonly caseId?: string;
  readonly deliveryId?: string;
};

export type WebhookModel = {
  readonly returns: Map<string, TrackedReturn>;
  readonly mustWriteNothing: MustWriteNothing[];
  /** Well-formed requests that never got a non-5xx answer, even after retries. */
  readonly unanswered: { kind: string; deliveryId: string; lastStatus: number }[];
  /** Wrong answers to refused requests: a malformed request that got a 2xx or 5xx. */
  readonly wrongRefusals: { kind: string; status: number; variant: string }[];
  /** Duplicates of a committed delivery that were not answered as duplicates. */
  readonly duplicatesApplied: { deliveryId: string; status: number; body: string }[];
  readonly crossSellerCancels: CrossSellerCancel[];
};

/** Relative weights of the traffic mix (normalised). */
export const webhookMix = {
  new: 30,
  update: 14,
  duplicate: 10,
  concurrentDuplicate: 7,
  outOfOrder: 8,
  cancel: 6,
  /** A cancellation right behind its request: races the refund worker for a pending refund. */
  quickCancel: 4,
  conflict: 2,
  badSignature: 5,
  malformed: 8,
  /** A cancellation that overtook its request (sometimes racing it): held, the case is born cancelled. */
  earlyCancel: 5,
  /** A cancellation of an accepted return naming another seller and order: 409, nothing written. */
  crossSellerCancel: 3,
  /** An update timed far in the future (occurredAt, claimedAt, evidence): 400, nothing written. */
  futureTime: 3,
  /** Signals too small for a DynamoDB number (1e-131, 1e-200, 5e-324): 2xx or 4xx, never 5xx. */
  extremeNumbers: 2,
  /** 100 evidence items with ~2 KB URIs, a body just under the limit: 2xx or 4xx, never 5xx. */
  oversizedEvidence: 2,
  /** The return parcel (#15): a carrier scan only (releases a trusted buyer's refund). */
  returnScan: 6,
  /** The return parcel received by the seller (releases a refund held ON_RECEIPT). */
  returnReceived: 10,
  /** Received and inspected: as sent, used (graded), parts missing, or not the item sent (review). */
  inspection: 5,
  /** A return shipment for an unknown return (404) or naming another seller (409): nothing written. */
  foreignReturnScan: 2,
  /** A replacement parcel (delivered or lost): resolves or re-opens a case staff settled with a reship; 409 for any other case. */
  replacement: 3,
  /** The buyer appeals on the marketplace (#19): re-opens a decided case once, within the window; 202 ignored otherwise. */
  appeal: 3,
} as const;
export type WebhookKind = keyof typeof webhookMix;

/** Kinds that act on a return the system already accepted (they fall back to a new one). */
const needsAccepted: ReadonlySet<WebhookKind> = new Set([
  'update',
  'cancel',
  'duplicate',
  'conflict',
  'outOfOrder',
  'crossSellerCancel',
  'returnScan',
  'returnReceived',
  'inspection',
  'replacement',
  'appeal',
]);

/** The times 9999-12-31 and an hour or a day ahead: all past now + 5 min. */
const FAR_FUTURE = '9999-12-31T23:59:59Z';
/** Below DynamoDB's smallest positive number (1e-130); 5e-324 is the smallest double. */
const EXTREME_RATES = [1e-131, 1e-200, 5e-324] as const;
const EVIDENCE_URI_LENGTH = 2_000;

type AnswerJson = {
  caseId?: string | null;
  duplicate?: boolean;
  ignoredReason?: string;
  /** The case's status on a 202; the HTTP status (a number) on a problem. */
  status?: string | number | null;
  held?: boolean;
  code?: string;
};
type Answer = { status: number; json?: AnswerJson };
/** Changes a well-formed payload into a hostile one (still signed by the marketplace). */
type Tweak = (payload: WebhookPayloadInput) => WebhookPayloadInput;

export class WebhookTraffic {
  readonly model: WebhookModel = {
    returns: new Map(),
    mustWriteNothing: [],
    unanswered: [],
    wrongRefusals: [],
    duplicatesApplied: [],
    crossSellerCancels: [],
  };
  readonly #baseUrl: string;
  readonly #recorder: Recorder;
  readonly #random: Random;
  readonly #runId: string;
  readonly #secret: string;
  #counter = 0;
  /** Recent deliveries, for duplicates and conflicts. */
  readonly #recent: Delivery[] = [];
  readonly #accepted: TrackedReturn[] = [];
  readonly #pending = new Set<Promise<unknown>>();
  eventsSent = Object.fromEntries(Object.keys(webhookMix).map((k) => [k, 0])) as Record<WebhookKind, number>;
  /** How cancellations were answered, e.g. `webhook.early-cancel 202 held`, `webhook.cancel 409 ILLEGAL_TRANSITION`. */
  readonly cancelAnswers: Record<string, number> = {};

  readonly #stripeUrl: string | undefined;
  /** Payment intents already made at the Stripe stand-in, by return. */
  readonly #intents = new Set<string>();
  readonly #shopifyAdminUrl: string | undefined;
  /** Returns whose Shopify order the stand-in has. */
  readonly #orders = new Set<string>();

  constructor(options: {
    baseUrl: string;
    recorder: Recorder;
    random: Random;
    runId: string;
    stripeUrl?: string;
    shopifyAdminUrl?: string;
  }) {
    this.#baseUrl = options.baseUrl;
    this.#stripeUrl = options.stripeUrl;
    this.#shopifyAdminUrl = options.shopifyAdminUrl;
    this.#recorder = options.recorder;
    this.#random = options.random;
    this.#runId = options.runId;
    const secret = DEV_WEBHOOK_SECRETS[SOAK_MARKETPLACE];
    if (secret === undefined) throw new Error(`no dev secret for ${SOAK_MARKETPLACE}`);
    this.#secret = secret;
  }

  get pending(): number {
    return this.#pending.size;
  }

  /** Sends one event of a kind drawn from the mix (does not wait for the answer). */
  tick(): WebhookKind {
    let kind = this.#random.weighted(webhookMix);
    // Kinds that need an earlier return fall back to a new one until there is one.
    if (needsAccepted.has(kind) && this.#accepted.length === 0) kind = 'new';
    this.eventsSent[kind] += 1;
    this.#track(this.#run(kind));
    return kind;
  }

  /** Waits for every request (retries included) still in flight. */
  async settle(timeoutMs: number): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (this.#pending.size > 0 && Date.now() < until) {
      await Promise.race([Promise.allSettled([...this.#pending]), new Promise((r) => setTimeout(r, 500))]);
    }
  }

  #track(work: Promise<unknown>): void {
    const tracked = work.catch(() => undefined).finally(() => this.#pending.delete(tracked));
    this.#pending.add(tracked);
  }

  async #run(kind: WebhookKind): Promise<void> {
    switch (kind) {
      case 'new':
        return this.#sendNew('webhook.new');
      case 'concurrentDuplicate':
        return this.#sendConcurrentDuplicates();
      case 'update':
        return this.#sendUpdate();
      case 'duplicate':
        return this.#sendDuplicate();
      case 'outOfOrder':
        return this.#random.chance(0.5) ? this.#sendStaleUpdate() : this.#sendUpdateBeforeRequest();
      case 'cancel':
        return this.#sendCancel();
      case 'appeal':
        return this.#sendAppeal();
      case 'quickCancel':
        return this.#sendQuickCancel();
      case 'conflict':
        return this.#sendConflict();
      case 'badSignature':
        return this.#sendBadSignature();
      case 'malformed':
        return this.#sendMalformed();
      case 'earlyCancel':
        return this.#sendEarlyCancel();
      case 'crossSellerCancel':
        return this.#sendCrossSellerCancel();
      case 'futureTime':
        return this.#sendFutureTime();
      case 'extremeNumbers':
        return this.#sendExtremeNumbers();
      case 'oversizedEvidence':
        return this.#sendOversizedEvidence();
      case 'returnScan':
        return this.#sendReturnShipment('webhook.return-scan', 'SCAN');
      case 'returnReceived':
        return this.#sendReturnShipment('webhook.return-received', 'RECEIVED');
      case 'inspection':
        return this.#sendReturnShipment('webhook.inspection', 'INSPECTED');
      case 'foreignReturnScan':
        return this.#sendForeignReturnScan();
      case 'replacement':
        return this.#sendReplacement();
    }
  }

  /** The return parcel of an accepted return; returns never sent one are the non-shippers. */
  #shipmentDelivery(r: TrackedReturn, stage: 'SCAN' | 'RECEIVED' | 'INSPECTED'): Delivery {
    const deliveryId = this.#nextId('SOAK-DLV');
    const now = Date.now();
    const iso = (msAgo: number) => new Date(now - msAgo).toISOString();
    const outcomes = [
      { outcome: 'AS_SENT' },
      { outcome: 'USED_OR_DAMAGED_BY_BUYER', conditionGrade: this.#random.pick(['A', 'B', 'C', 'D'] as const) },
      { outcome: 'PARTS_MISSING' },
      { outcome: 'NOT_THE_ITEM_SENT', foundSkuOrSerial: 'SN-OTHER' },
    ] as const;
    const payload: WebhookPayloadInput = {
      schemaVersion: 1,
      eventType: 'return.shipment',
      deliveryId,
      occurredAt: iso(0),
      return: { marketplaceReturnId: r.returnId, orderId: r.orderId, sellerId: r.sellerId },
      shipment: {
        carrier: 'DHL',
        trackingNumber: `RTN-${r.returnId}`,
        scans: [{ type: 'PICKED_UP', at: iso(3_600_000) }],
        ...(stage === 'SCAN' ? {} : { receivedAt: iso(60_000) }),
        ...(stage === 'INSPECTED' ? { inspection: { ...this.#random.pick(outcomes), inspectedAt: iso(0) } } : {}),
      },
    };
    const body = JSON.stringify(payload);
    const signedAt = Math.floor(now / 1000);
    return { deliveryId, body, returnId: r.returnId, signedAt, header: signatureHeader(this.#secret, signedAt, body), committed: false };
  }

  async #sendReturnShipment(kind: string, stage: 'SCAN' | 'RECEIVED' | 'INSPECTED'): Promise<void> {
    const r = this.#pickAccepted();
    if (r === undefined) return this.#sendNew('webhook.new');
    await this.#deliver(kind, this.#shipmentDelivery(r, stage), r);
  }

  /** The replacement parcel of a reship, delivered or lost (409 when the case is not a reship). */
  async #sendReplacement(): Promise<void> {
    // Mostly a case staff settled with a reship (resolved on delivery, re-opened when lost);
    // sometimes any case, which must be refused (409) and change nothing.
    const reships = this.#accepted.filter((a) => a.reship === true);
    const r = reships.length > 0 && this.#random.chance(0.8) ? this.#random.pick(reships) : this.#pickAccepted();
    if (r === undefined) return this.#sendNew('webhook.new');
    const deliveryId = this.#nextId('SOAK-DLV');
    const now = Date.now();
    const payload: WebhookPayloadInput = {
      schemaVersion: 1,
      eventType: 'replacement.shipment',
      deliveryId,
      occurredAt: new Date(now).toISOString(),
      return: { marketplaceReturnId: r.returnId, orderId: r.orderId, sellerId: r.sellerId },
      replacement: {
        carrier: 'DHL',
        trackingNumber: `RPL-${r.returnId}`,
        scans: [{ type: this.#random.chance(0.8) ? 'DELIVERED' : 'LOST', at: new Date(now - 60_000).toISOString() }],
      },
    };
    const body = JSON.stringify(payload);
    const signedAt = Math.floor(now / 1000);
    const delivery = {
      deliveryId,
      body,
      returnId: r.returnId,
      signedAt,
      header: signatureHeader(this.#secret, signedAt, body),
      committed: false,
    };
    await this.#deliver('webhook.replacement', delivery, r);
  }

  /** A return shipment for a return never requested (404), or naming another seller's order (409). */
  async #sendForeignReturnScan(): Promise<void> {
    const accepted = this.#pickAccepted();
    const unknown = accepted === undefined || this.#random.chance(0.5);
    const target: TrackedReturn =
      unknown || accepted === undefined
        ? this.#unlisted('SOAK-NORET')
        : {
            ...accepted,
            sellerId: this.#random.pick(SOAK_SELLERS.filter((s) => s !== accepted.sellerId)),
            orderId: this.#nextId('SOAK-ORD-OTHER'),
          };
    const delivery = this.#shipmentDelivery(target, 'RECEIVED');
    await this.#refused(
      'webhook.foreign-return-scan',
      unknown ? 'unknown return' : 'another seller',
      async () => (await this.#post(delivery.body, { 'content-type': 'application/json', 'x-signature': delivery.header })).status,
      unknown
        ? { marketplace: SOAK_MARKETPLACE, caseId: target.caseId, deliveryId: delivery.deliveryId }
        : { marketplace: SOAK_MARKETPLACE, deliveryId: delivery.deliveryId },
    );
  }

  #nextId(prefix: string): string {
    this.#counter += 1;
    return `${prefix}-${this.#runId}-${this.#counter}`;
  }

  #newReturn(): TrackedReturn {
    const returnId = this.#nextId('SOAK-RET');
    const sellerId = this.#random.pick(SOAK_SELLERS);
    const orderId = this.#nextId('SOAK-ORD');
    const tracked: TrackedReturn = {
      returnId,
      caseId: caseIdFor(SOAK_MARKETPLACE, returnId),
      // Shopify's order ids are numbers (its Admin API's gid://shopify/Order/<n>).
      orderId: sellerId === SHOPIFY_SOAK_SELLER ? shopifyOrderOf(orderId) : orderId,
      sellerId,
      template: this.#random.pick(templateNames),
      newestOccurredAt: 0,
      accepted: false,
      cancelSent: false,
      cancelAccepted: false,
    };
    this.model.returns.set(tracked.caseId, tracked);
    return tracked;
  }

  #payload(r: TrackedReturn, eventType: EventType, occurredAt: number, deliveryId: string): WebhookPayloadInput {
    const now = new Date();
    const sample = buildSamplePayload({ eventType, returnId: r.returnId, deliveryId, now });
    const ids = { marketplaceReturnId: r.returnId, orderId: r.orderId, sellerId: r.sellerId };
    const envelope = { ...sample, occurredAt: new Date(occurredAt).toISOString() };
    if (envelope.eventType === 'return.cancelled' || envelope.eventType === 'return.appealed') return { ...envelope, return: ids };
    const overrides: Record<string, unknown> = { ...templates[r.template] };
    if (r.template === 'late') {
      const at = (days: number) => new Date(now.getTime() - days * DAY_MS).toISOString();
      overrides.timeline = { orderedAt: at(40), shippedAt: at(39), deliveredAt: at(30), claimedAt: at(0.05) };
    }
    const ret = { ...envelope.return, ...ids, ...overrides } as Record<string, unknown>;
    if (r.sellerId === STRIPE_SOAK_SELLER && this.#stripeUrl !== undefined) {
      // The order was paid with Stripe: the return names the payment intent its refunds go back to.
      const currency = ((ret.money as { currency?: string } | undefined)?.currency ?? 'EUR').toUpperCase();
      ret.payments = [{ provider: 'stripe', reference: stripeIntentOf(r.returnId), captured: STRIPE_CAPTURED, currency }];
    }
    if (r.sellerId === SHOPIFY_SOAK_SELLER && this.#shopifyAdminUrl !== undefined) {
      // The order was paid in Shopify: refunds go back through the order (its numeric id).
      const currency = ((ret.money as { currency?: string } | undefined)?.currency ?? 'EUR').toUpperCase();
      ret.payments = [{ provider: 'shopify', reference: r.orderId, captured: SHOPIFY_CAPTURED, currency }];
    }
    return { ...envelope, return: ret } as WebhookPayloadInput;
  }

  /** Makes the return's order at the Shopify stand-in (once), as the shop's checkout would have. */
  async #ensureOrder(r: TrackedReturn): Promise<void> {
    if (this.#shopifyAdminUrl === undefined || r.sellerId !== SHOPIFY_SOAK_SELLER || this.#orders.has(r.returnId)) return;
    const payload = this.#payload(r, 'return.requested', Date.now(), 'currency-probe');
    const currency = (payload.return as { payments?: { currency: string }[] }).payments?.[0]?.currency ?? 'EUR';
    const res = await fetch(`${this.#shopifyAdminUrl}/_control/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        id: `gid://shopify/Order/${r.orderId}`,
        currencyCode: currency,
        captured: (SHOPIFY_CAPTURED / 100).toFixed(2),
      }),
    });
    if (!res.ok) throw new Error(`the Shopify stand-in refused the order of ${r.returnId}: ${res.status}`);
    this.#orders.add(r.returnId);
  }

  /** Makes the return's payment intent at the Stripe stand-in (once), as the shop's checkout would have. */
  async #ensureIntent(r: TrackedReturn): Promise<void> {
    if (this.#stripeUrl === undefined || r.sellerId !== STRIPE_SOAK_SELLER || this.#intents.has(r.returnId)) return;
    const payload = this.#payload(r, 'return.requested', Date.now(), 'currency-probe');
    const payments = (payload.return as { payments?: { currency: string }[] }).payments;
    const currency = payments?.[0]?.currency.toLowerCase() ?? 'eur';
    const res = await fetch(`${this.#stripeUrl}/_control/payment-intents`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: stripeIntentOf(r.returnId), amount: STRIPE_CAPTURED, currency }),
    });
    if (!res.ok) throw new Error(`the Stripe stand-in refused the payment intent of ${r.returnId}: ${res.status}`);
    this.#intents.add(r.returnId);
  }

  #delivery(r: TrackedReturn, eventType: EventType, occurredAt: number, tweak?: Tweak): Delivery {
    const deliveryId = this.#nextId('SOAK-DLV');
    const payload = this.#payload(r, eventType, occurredAt, deliveryId);
    const body = JSON.stringify(tweak === undefined ? payload : tweak(payload));
    const signedAt = Math.floor(Date.now() / 1000);
    return { deliveryId, body, returnId: r.returnId, signedAt, header: signatureHeader(this.#secret, signedAt, body), committed: false };
  }

  async #post(body: string, headers: Record<string, string>, marketplace = SOAK_MARKETPLACE): Promise<Answer> {
    const res = await fetch(`${this.#baseUrl}/webhooks/${encodeURIComponent(marketplace)}`, {
      method: 'POST',
      headers,
      body,
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const text = await res.text();
    let json: Answer['json'];
    try {
      json = JSON.parse(text) as Answer['json'];
    } catch {
      json = undefined;
    }
    return { status: res.status, ...(json === undefined ? {} : { json }) };
  }

  /**
   * Sends a signed delivery and retries it like a marketplace while it gets a 5xx or no
   * answer (same body and id, fresh signature, growing pauses). Resolves with the final
   * answer; one that is still 5xx or missing is recorded as unanswered.
   */
  async #send(kind: string, delivery: Delivery, options: { resign?: boolean } = {}): Promise<Answer> {
    let answer: Answer = { status: 0 };
    for (let attempt = 0; attempt <= MAX_RETRIES; attempt++) {
      if (attempt > 0) {
        await new Promise((resolve) => setTimeout(resolve, 1_000 * 2 ** (attempt - 1)));
      }
      if (attempt > 0 || options.resign === true || Date.now() / 1000 - delivery.signedAt > 60) {
        delivery.signedAt = Math.floor(Date.now() / 1000);
        delivery.header = signatureHeader(this.#secret, delivery.signedAt, delivery.body);
      }
      let result: Answer = { status: 0 };
      await this.#recorder.time(
        kind,
        true,
        async () => {
          result = await this.#post(delivery.body, { 'content-type': 'application/json', 'x-signature': delivery.header });
          return result.status;
        },
        attempt > 0 ? { retry: true } : {},
      );
      answer = result;
      if (answer.status !== 0 && answer.status < 500) break;
    }
    if (answer.status === 0 || answer.status >= 500) {
      this.model.unanswered.push({ kind, deliveryId: delivery.deliveryId, lastStatus: answer.status });
    }
    return answer;
  }

  /**
   * Sends a well-formed delivery (retried while 5xx, see #send) and notes what the answer
   * says about the return. A held answer (`status: null`) does not show a case: only the
   * delivery that creates it does.
   */
  async #deliver(kind: string, delivery: Delivery, r: TrackedReturn, options: { resign?: boolean } = {}): Promise<Answer> {
    await this.#ensureIntent(r);
    await this.#ensureOrder(r);
    const answer = await this.#send(kind, delivery, options);
    if (answer.status === 0 || answer.status >= 500) return answer;
    const json = answer.json;
    if (answer.status === 202 && json?.caseId === r.caseId) {
      const caseExists = json.held !== true && json.status != null && json.ignoredReason !== 'UNKNOWN_RETURN';
      if (caseExists && !r.accepted) {
        r.accepted = true;
        this.#accepted.push(r);
      }
      // Held deliveries are recorded too: a repeat of one is a duplicate.
      if (json.duplicate === false) delivery.committed = true;
    }
    this.#remember(delivery);
    return answer;
  }

  /** Sends a cancellation of `r`; a 202 that holds it or shows the case CANCELLED accepts it. */
  async #cancel(kind: string, r: TrackedReturn, occurredAt: number): Promise<Answer> {
    r.cancelSent = true;
    const answer = await this.#deliver(kind, this.#delivery(r, 'return.cancelled', occurredAt), r);
    if (answer.status === 202 && answer.json?.caseId === r.caseId && (answer.json.held === true || answer.json.status === 'CANCELLED')) {
      r.cancelAccepted = true;
    }
    const json = answer.json;
    const how = [
      kind,
      answer.status || 'no answer',
      json?.held === true ? 'held' : typeof json?.status === 'string' ? json.status : undefined,
      json?.ignoredReason,
      json?.code,
    ]
      .filter((x) => x != null)
      .join(' ');
    this.cancelAnswers[how] = (this.cancelAnswers[how] ?? 0) + 1;
    return answer;
  }

  #remember(delivery: Delivery): void {
    this.#recent.push(delivery);
    if (this.#recent.length > 300) this.#recent.splice(0, this.#recent.length - 300);
  }

  async #sendNew(kind: string): Promise<void> {
    const r = this.#newReturn();
    const occurredAt = Date.now();
    r.newestOccurredAt = occurredAt;
    await this.#deliver(kind, this.#delivery(r, 'return.requested', occurredAt), r);
  }

  async #sendConcurrentDuplicates(): Promise<void> {
    const r = this.#newReturn();
    const occurredAt = Date.now();
    r.newestOccurredAt = occurredAt;
    const delivery = this.#delivery(r, 'return.requested', occurredAt);
    const copies = this.#random.int(2, 4);
    // Separate objects: each copy's retry re-signs its own header.
    const answers = await Promise.all(
      Array.from({ length: copies }, () => this.#deliver('webhook.concurrent-duplicate', { ...delivery }, r)),
    );
    const fresh = answers.filter((a) => a.status === 202 && a.json?.duplicate === false).length;
    // The copies of one delivery: exactly one may be applied; the rest are answered as duplicates.
    if (fresh > 1)
      this.model.duplicatesApplied.push({
        deliveryId: delivery.deliveryId,
        status: 202,
        body: `${fresh} of ${copies} concurrent copies applied`,
      });
  }

  #pickAccepted(): TrackedReturn | undefined {
    return this.#accepted.length === 0 ? undefined : this.#random.pick(this.#accepted);
  }

  async #sendUpdate(): Promise<void> {
    const r = this.#pickAccepted();
    if (r === undefined) return this.#sendNew('webhook.new');
    // New facts: another template (a photo arrives, the amount is corrected, ...).
    r.template = this.#random.pick(templateNames);
    const occurredAt = Math.max(Date.now(), r.newestOccurredAt + 1);
    r.newestOccurredAt = occurredAt;
    await this.#deliver('webhook.update', this.#delivery(r, 'return.updated', occurredAt), r);
  }

  async #sendStaleUpdate(): Promise<void> {
    const r = this.#pickAccepted();
    if (r === undefined) return this.#sendNew('webhook.new');
    // Older than what was applied: must be acknowledged and ignored.
    const occurredAt = r.newestOccurredAt - this.#random.int(1_000, 3_600_000);
    await this.#deliver('webhook.out-of-order.stale', this.#delivery(r, 'return.updated', occurredAt), r);
  }

  async #sendUpdateBeforeRequest(): Promise<void> {
    // The update overtook its request: it creates the case; the request arrives late and older.
    const r = this.#newReturn();
    const requestedAt = Date.now() - this.#random.int(1_000, 600_000);
    const updatedAt = Date.now();
    r.newestOccurredAt = updatedAt;
    await this.#deliver('webhook.out-of-order.early-update', this.#delivery(r, 'return.updated', updatedAt), r);
    await this.#deliver('webhook.out-of-order.late-request', this.#delivery(r, 'return.requested', requestedAt), r);
  }

  /** A marketplace appeal of an accepted return (#19); an appeal of a case not decided yet is acknowledged and ignored. */
  async #sendAppeal(): Promise<void> {
    const r = this.#pickAccepted();
    if (r === undefined) return this.#sendNew('webhook.new');
    const occurredAt = Math.max(Date.now(), r.newestOccurredAt + 1);
    r.newestOccurredAt = occurredAt;
    await this.#deliver('webhook.appeal', this.#delivery(r, 'return.appealed', occurredAt), r);
  }

  async #sendCancel(): Promise<void> {
    const r = this.#pickAccepted();
    if (r === undefined) return this.#sendNew('webhook.new');
    const occurredAt = Math.max(Date.now(), r.newestOccurredAt + 1);
    r.newestOccurredAt = occurredAt;
    await this.#cancel('webhook.cancel', r, occurredAt);
  }

  async #sendQuickCancel(): Promise<void> {
    const r = this.#newReturn();
    r.template = 'defect'; // a refund becomes due at once
    const requestedAt = Date.now();
    r.newestOccurredAt = requestedAt;
    await this.#deliver('webhook.new', this.#delivery(r, 'return.requested', requestedAt), r);
    if (!r.accepted) return;
    const cancelledAt = Math.max(Date.now(), requestedAt + 1);
    r.newestOccurredAt = cancelledAt;
    await this.#cancel('webhook.quick-cancel', r, cancelledAt);
  }

  async #sendEarlyCancel(): Promise<void> {
    // The cancel overtook its request: later occurredAt, sent first (or at the same time).
    const r = this.#newReturn();
    if (this.#random.chance(0.6)) r.template = 'defect'; // a refund would be due at once
    const race = this.#random.chance(0.4);
    const requestedAt = Date.now() - this.#random.int(1_000, 600_000);
    const cancelledAt = Date.now();
    r.newestOccurredAt = cancelledAt;
    const request = this.#delivery(r, 'return.requested', requestedAt);
    if (race) {
      await Promise.all([
        this.#cancel('webhook.early-cancel.race', r, cancelledAt),
        this.#deliver('webhook.early-cancel.race-request', request, r),
      ]);
      return;
    }
    await this.#cancel('webhook.early-cancel', r, cancelledAt);
    await this.#deliver('webhook.early-cancel.late-request', request, r, { resign: true });
  }

  async #sendCrossSellerCancel(): Promise<void> {
    const r = this.#pickAccepted();
    if (r === undefined) return this.#sendNew('webhook.new');
    // Signed by the marketplace, but naming another seller's order for this return's id.
    const other: TrackedReturn = {
      ...r,
      sellerId: this.#random.pick(SOAK_SELLERS.filter((s) => s !== r.sellerId)),
      orderId: this.#nextId('SOAK-ORD-OTHER'),
    };
    const delivery = this.#delivery(other, 'return.cancelled', Math.max(Date.now(), r.newestOccurredAt + 1));
    const record: CrossSellerCancel = { marketplace: SOAK_MARKETPLACE, caseId: r.caseId, deliveryId: delivery.deliveryId, status: 0 };
    this.model.crossSellerCancels.push(record);
    const answer = await this.#send('webhook.cross-seller-cancel', delivery);
    record.status = answer.status;
    if (answer.status !== 0 && answer.status < 500 && answer.status !== 409) {
      this.model.wrongRefusals.push({
        kind: 'webhook.cross-seller-cancel',
        status: answer.status,
        variant: `cancel of ${r.caseId} naming seller ${other.sellerId}`,
      });
    }
  }

  async #sendFutureTime(): Promise<void> {
    type Variant = [string, Tweak];
    const variants: Variant[] = [
      ['occurredAt 9999-12-31', (p) => ({ ...p, occurredAt: FAR_FUTURE })],
      [
        'claimedAt an hour ahead',
        (p) =>
          withReturn(p, (ret) => ({ ...ret, timeline: { ...ret.timeline, claimedAt: new Date(Date.now() + 3_600_000).toISOString() } })),
      ],
      [
        'evidence submitted a day ahead',
        (p) =>
          withReturn(p, (ret) => ({
            ...ret,
            evidence: [
              {
                id: 'EV-FUTURE',
                kind: 'PRODUCT_PHOTO',
                finding: 'DEFECTIVE',
                submittedBy: 'BUYER',
                submittedAt: new Date(Date.now() + 86_400_000).toISOString(),
              },
            ],
          })),
      ],
    ];
    // Mostly the time that would freeze the case forever if it were accepted.
    const [variant, tweak] = this.#random.chance(0.6) ? (variants[0] as Variant) : this.#random.pick(variants);
    const existing = this.#pickAccepted();
    // A case that exists must not change; a return not received yet must not get one.
    const r = existing ?? this.#unlisted('SOAK-FUTURE');
    const delivery = this.#delivery(
      r,
      existing === undefined ? 'return.requested' : 'return.updated',
      Math.max(Date.now(), r.newestOccurredAt + 1),
      tweak,
    );
    this.model.mustWriteNothing.push({
      kind: `webhook.future-time:${variant}`,
      marketplace: SOAK_MARKETPLACE,
      deliveryId: delivery.deliveryId,
      ...(existing === undefined ? { caseId: r.caseId } : {}),
    });
    const answer = await this.#send('webhook.future-time', delivery);
    if (answer.status !== 0 && answer.status < 500 && answer.status !== 400) {
      this.model.wrongRefusals.push({ kind: 'webhook.future-time', status: answer.status, variant });
    }
  }

  /** Numbers a DynamoDB number cannot hold, on a new return or as an update. 2xx or 4xx; a 5xx is retried and then unanswered. */
  async #sendExtremeNumbers(): Promise<void> {
    const rate = this.#random.pick(EXTREME_RATES);
    const field = this.#random.pick(['buyerClaimRate', 'sellerDefectRate'] as const);
    const tweak: Tweak = (p) => withReturn(p, (ret) => ({ ...ret, signals: { ...ret.signals, [field]: rate } }));
    const existing = this.#random.chance(0.5) ? this.#pickAccepted() : undefined;
    const r = existing ?? this.#newReturn();
    const occurredAt = Math.max(Date.now(), r.newestOccurredAt + 1);
    r.newestOccurredAt = occurredAt;
    await this.#deliver(
      'webhook.extreme-numbers',
      this.#delivery(r, existing === undefined ? 'return.requested' : 'return.updated', occurredAt, tweak),
      r,
    );
  }

  /** 100 evidence items with ~2 KB URIs: a body just under 256 KiB. 2xx or 4xx; never 5xx. */
  async #sendOversizedEvidence(): Promise<void> {
    const existing = this.#random.chance(0.5) ? this.#pickAccepted() : undefined;
    const r = existing ?? this.#newReturn();
    const occurredAt = Math.max(Date.now(), r.newestOccurredAt + 1);
    r.newestOccurredAt = occurredAt;
    const submittedAt = new Date(Date.now() - 3_600_000).toISOString();
    const tweak: Tweak = (p) =>
      withReturn(p, (ret) => ({
        ...ret,
        evidence: Array.from({ length: 100 }, (_, i) => {
          const prefix = `https://evidence.soak.example/${r.returnId}/${i}/`;
          return {
            id: `EV-${i + 1}`,
            kind: 'PRODUCT_PHOTO' as const,
            finding: 'DEFECTIVE' as const,
            submittedBy: 'BUYER' as const,
            submittedAt,
            uri: prefix + 'x'.repeat(EVIDENCE_URI_LENGTH - prefix.length),
          };
        }),
      }));
    await this.#deliver(
      'webhook.oversized-evidence',
      this.#delivery(r, existing === undefined ? 'return.requested' : 'return.updated', occurredAt, tweak),
      r,
    );
  }

  /** A return the soak does not list among its own (a case for it must never exist). */
  #unlisted(prefix: string): TrackedReturn {
    const returnId = this.#nextId(prefix);
    return {
      returnId,
      caseId: caseIdFor(SOAK_MARKETPLACE, returnId),
      orderId: 'SOAK-ORD-X',
      sellerId: SOAK_SELLERS[0],
      template: 'defect',
      newestOccurredAt: 0,
      accepted: false,
      cancelSent: false,
      cancelAccepted: false,
    };
  }

  async #sendDuplicate(): Promise<void> {
    const original = this.#recent.length === 0 ? undefined : this.#random.pick(this.#recent);
    const r = original === undefined ? undefined : this.model.returns.get(caseIdFor(SOAK_MARKETPLACE, original.returnId));
    if (original === undefined || r === undefined) return this.#sendNew('webhook.new');
    // An exact repeat (same header while it is fresh; a marketplace re-signs later retries).
    const copy: Delivery = { ...original };
    const answer = await this.#deliver('webhook.duplicate', copy, r);
    if (original.committed && (answer.status !== 202 || answer.json?.duplicate !== true)) {
      this.model.duplicatesApplied.push({
        deliveryId: original.deliveryId,
        status: answer.status,
        body: JSON.stringify(answer.json ?? null),
      });
    }
  }

  async #sendConflict(): Promise<void> {
    const committed = this.#recent.filter((d) => d.committed);
    const original = committed.length === 0 ? undefined : this.#random.pick(committed);
    if (original === undefined) return this.#sendNew('webhook.new');
    // The same delivery id with another body: refused with 409, nothing written.
    const parsed = JSON.parse(original.body) as { occurredAt: string };
    const body = JSON.stringify({ ...parsed, occurredAt: new Date(Date.parse(parsed.occurredAt) + 1).toISOString() });
    const signedAt = Math.floor(Date.now() / 1000);
    const status = await this.#recorder.time('webhook.conflict', true, async () => {
      const answer = await this.#post(body, {
        'content-type': 'application/json',
        'x-signature': signatureHeader(this.#secret, signedAt, body),
      });
      return answer.status;
    });
    if (status !== 409 && status !== 0 && status < 500)
      this.model.wrongRefusals.push({ kind: 'webhook.conflict', status, variant: 'same delivery id, other body' });
  }

  /** A request that must be refused: records the answer and what it must not have written. */
  async #refused(kind: string, variant: string, send: () => Promise<number>, wouldBe: Omit<MustWriteNothing, 'kind'>): Promise<void> {
    this.model.mustWriteNothing.push({ kind: `${kind}:${variant}`, ...wouldBe });
    const status = await this.#recorder.time(kind, false, send, { note: variant });
    if (status === 0 || status < 400 || status >= 500) this.model.wrongRefusals.push({ kind, status, variant });
  }

  async #sendBadSignature(): Promise<void> {
    const r = this.#unlisted('SOAK-BADSIG');
    const delivery = this.#delivery(r, 'return.requested', Date.now());
    const now = Math.floor(Date.now() / 1000);
    const variants: [string, Record<string, string>][] = [
      ['wrong secret', { 'x-signature': signatureHeader('not-the-marketplace-secret-0000000000', now, delivery.body) }],
      ['stale timestamp', { 'x-signature': signatureHeader(this.#secret, now - 3_600, delivery.body) }],
      ['missing header', {}],
      ['garbled header', { 'x-signature': 't=abc,v1=zz' }],
      ['body changed after signing', { 'x-signature': delivery.header }],
    ];
    const [variant, headers] = this.#random.pick(variants);
    const body = variant === 'body changed after signing' ? delivery.body.replace('"amountPaid":', '"amountPaid":1') : delivery.body;
    await this.#refused(
      'webhook.bad-signature',
      variant,
      async () => (await this.#post(body, { 'content-type': 'application/json', ...headers })).status,
      { marketplace: SOAK_MARKETPLACE, caseId: r.caseId, deliveryId: delivery.deliveryId },
    );
  }

  async #sendMalformed(): Promise<void> {
    const r = this.#unlisted('SOAK-BAD');
    const returnId = r.returnId;
    const valid = JSON.parse(this.#delivery(r, 'return.requested', Date.now()).body) as Record<string, unknown> & {
      deliveryId: string;
      return: Record<string, unknown>;
    };
    const deliveryId = valid.deliveryId;
    const variants: [string, () => { body: string; contentType?: string; marketplace?: string }][] = [
      ['not json', () => ({ body: `{"deliveryId":"${deliveryId}","return":{"marketplaceReturnId":"${returnId}"` })],
      [
        'amount not an integer',
        () => ({
          body: JSON.stringify({ ...valid, return: { ...valid.return, money: { currency: 'EUR', itemValue: 49.99, amountPaid: 49.99 } } }),
        }),
      ],
      ['missing timeline', () => ({ body: JSON.stringify({ ...valid, return: { ...valid.return, timeline: undefined } }) })],
      ['unknown event type', () => ({ body: JSON.stringify({ ...valid, eventType: 'return.exploded' }) })],
      ['unknown field', () => ({ body: JSON.stringify({ ...valid, extra: 'field' }) })],
      ['schema version 2', () => ({ body: JSON.stringify({ ...valid, schemaVersion: 2 }) })],
      [
        'buyer e-mail instead of a reference',
        () => ({ body: JSON.stringify({ ...valid, return: { ...valid.return, buyerRef: 'someone@example.com' } }) }),
      ],
      ['wrong content type', () => ({ body: JSON.stringify(valid), contentType: 'text/plain' })],
      ['unknown marketplace', () => ({ body: JSON.stringify(valid), marketplace: 'no-such-market' })],
      ['oversized body', () => ({ body: JSON.stringify({ ...valid, return: { ...valid.return, reasonDetail: 'x'.repeat(300_000) } }) })],
    ];
    const [variant, build] = this.#random.pick(variants);
    const request = build();
    const marketplace = request.marketplace ?? SOAK_MARKETPLACE;
    // Signed with the marketplace's real secret: these are refused for their content alone.
    const header = signatureHeader(this.#secret, Math.floor(Date.now() / 1000), request.body);
    await this.#refused(
      'webhook.malformed',
      variant,
      async () =>
        (await this.#post(request.body, { 'content-type': request.contentType ?? 'application/json', 'x-signature': header }, marketplace))
          .status,
      { marketplace, caseId: caseIdFor(marketplace, returnId), deliveryId },
    );
  }
}

/** The payload with its return changed (a cancellation or a return shipment, which carry only ids, unchanged). */
function withReturn(
  payload: WebhookPayloadInput,
  change: (ret: Extract<WebhookPayloadInput, { eventType: 'return.requested' }>['return']) => object,
): WebhookPayloadInput {
  if (payload.eventType !== 'return.requested' && payload.eventType !== 'return.updated') return payload;
  return { ...payload, return: change(payload.return) } as WebhookPayloadInput;
}

/** The Stripe payment intent id of a soak return (Stripe ids are letters, digits and _). */
export function stripeIntentOf(returnId: string): string {
  return `pi_${returnId.replace(/[^A-Za-z0-9_]/g, '_')}`.slice(0, 67);
}

/** A numeric Shopify order id for a soak order id (`SOAK-ORD-<run>-<n>`): a hash of it, then its counter. */
export function shopifyOrderOf(orderId: string): string {
  let h = 0;
  for (let i = 0; i < orderId.length; i++) h = (h * 31 + orderId.charCodeAt(i)) >>> 0;
  const n = /-(\d+)$/.exec(orderId)?.[1] ?? '0';
  return `${h}${n.padStart(6, '0')}`;
}
