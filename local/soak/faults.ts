import type { FaultWindowRecord } from './invariants.ts';
import type { Random } from './random.ts';

/**
 * The soak's fault schedule. The payment provider misbehaves for the whole run (a share of
 * calls fail, a share time out). On top, every `periodMs` the same cycle repeats:
 *
 *   +10 s  DynamoDB throttled for `throttleMs` (a `throttleRate` share of the handlers' calls)
 *   +25 s  SQS SendMessage fails for `sqsFailMs` (every send: refunds stay in the outbox)
 *   +40 s  the refund worker crashes mid-batch (abandons its batch, polls again)
 *   +46 s  the payment provider pays the next `lostResponses` refunds but answers 500 (the
 *          response is lost: the retry must get the first payment's receipt, not a second one)
 *   +52 s  the worker crashes once more
 *
 * Windows are opened through the runtime's POST /_local/faults (LOCAL_FAULTS=1) and the
 * simulator's POST /_control/faults; each one is recorded so 5xx answers can be attributed.
 */

export type FaultPlan = {
  enabled: boolean;
  periodMs: number;
  paymentFailRate: number;
  paymentTimeoutRate: number;
  throttleMs: number;
  throttleRate: number;
  sqsFailMs: number;
  lostResponses: number;
};

export const defaultFaultPlan: FaultPlan = {
  enabled: true,
  periodMs: 60_000,
  paymentFailRate: 0.1,
  paymentTimeoutRate: 0.05,
  throttleMs: 6_000,
  throttleRate: 0.3,
  sqsFailMs: 10_000,
  lostResponses: 2,
};

type Step = {
  atMs: number;
  kind:
    | 'dynamodbThrottle'
    | 'sqsSendFailure'
    | 'workerCrash'
    | 'paymentLostResponse'
    | 'receiverFailure'
    | 'notifierCrash'
    | 'stripeFailure'
    | 'shopifyFailure';
};

export type FaultCounts = {
  dynamodbThrottleWindows: number;
  sqsSendFailureWindows: number;
  workerCrashesRequested: number;
  paymentLostResponsesRequested: number;
  /** Deliveries the marketplace's receiver answered 503 to (#21). */
  receiverFailuresRequested: number;
  notifierCrashesRequested: number;
  /** Stripe (its stand-in) answering 503, and refunding then dropping the answer (#16). */
  stripeFailuresRequested: number;
  stripeLostResponsesRequested: number;
  /** Shopify's Admin API (its stand-in) answering 503, and refunding then answering 500 (#16). */
  shopifyFailuresRequested: number;
  shopifyLostResponsesRequested: number;
};

export class FaultInjector {
  readonly windows: FaultWindowRecord[] = [];
  readonly counts: FaultCounts = {
    dynamodbThrottleWindows: 0,
    sqsSendFailureWindows: 0,
    workerCrashesRequested: 0,
    paymentLostResponsesRequested: 0,
    receiverFailuresRequested: 0,
    notifierCrashesRequested: 0,
    stripeFailuresRequested: 0,
    stripeLostResponsesRequested: 0,
    shopifyFailuresRequested: 0,
    shopifyLostResponsesRequested: 0,
  };
  readonly errors: string[] = [];
  readonly #plan: FaultPlan;
  readonly #runtimeUrl: string;
  readonly #paymentsUrl: string;
  readonly #receiverUrl: string | undefined;
  readonly #stripeUrl: string | undefined;
  readonly #shopifyAdminUrl: string | undefined;
  readonly #random: Random;
  readonly #steps: Step[];
  #nextPeriod = 0;
  #nextStep = 0;

  constructor(options: {
    plan: FaultPlan;
    runtimeUrl: string;
    paymentsUrl: string;
    receiverUrl?: string;
    stripeUrl?: string;
    shopifyAdminUrl?: string;
    random: Random;
  }) {
    this.#plan = options.plan;
    this.#runtimeUrl = options.runtimeUrl;
    this.#paymentsUrl = options.paymentsUrl;
    this.#receiverUrl = options.receiverUrl;
    this.#stripeUrl = options.stripeUrl;
    this.#shopifyAdminUrl = options.shopifyAdminUrl;
    this.#random = options.random;
    const scale = this.#plan.periodMs / 60_000;
    this.#steps = [
      { atMs: 10_000 * scale, kind: 'dynamodbThrottle' },
      { atMs: 25_000 * scale, kind: 'sqsSendFailure' },
      { atMs: 32_000 * scale, kind: 'receiverFailure' },
      { atMs: 40_000 * scale, kind: 'workerCrash' },
      { atMs: 46_000 * scale, kind: 'paymentLostResponse' },
      { atMs: 48_000 * scale, kind: 'stripeFailure' },
      { atMs: 50_000 * scale, kind: 'shopifyFailure' },
      { atMs: 52_000 * scale, kind: 'workerCrash' },
      { atMs: 56_000 * scale, kind: 'notifierCrash' },
    ];
  }

  /** Which windows are open right now, for the progress line. */
  active(now = Date.now()): string[] {
    return this.windows.filter((w) => w.start <= now && now < w.end).map((w) => w.kind);
  }

  async begin(): Promise<void> {
    if (!this.#plan.enabled) return;
    await this.#post(`${this.#paymentsUrl}/_control/faults`, {
      failRate: this.#plan.paymentFailRate,
      timeoutRate: this.#plan.paymentTimeoutRate,
    });
  }

  /** Called from the traffic loop; opens whatever the schedule says is due by `elapsedMs`. */
  async tick(elapsedMs: number): Promise<void> {
    if (!this.#plan.enabled) return;
    for (;;) {
      const step = this.#steps[this.#nextStep];
      if (step === undefined) {
        this.#nextPeriod += 1;
        this.#nextStep = 0;
        continue;
      }
      if (this.#nextPeriod * this.#plan.periodMs + step.atMs > elapsedMs) return;
      this.#nextStep += 1;
      await this.#fire(step.kind);
    }
  }

  /** Closes every window and makes the payment provider healthy again, so the system can drain. */
  async end(): Promise<void> {
    if (!this.#plan.enabled) return;
    await this.#post(`${this.#runtimeUrl}/_local/faults`, { clear: true });
    await this.#post(`${this.#paymentsUrl}/_control/faults`, { failRate: 0, timeoutRate: 0, chargeThenFailNext: 0 });
    if (this.#receiverUrl !== undefined) await this.#post(`${this.#receiverUrl}/_control/faults`, { fail: 0 });
    if (this.#stripeUrl !== undefined) {
      await this.#post(`${this.#stripeUrl}/_control/faults`, { failNext: 0, timeoutNext: 0, refundThenLoseNext: 0 });
    }
    if (this.#shopifyAdminUrl !== undefined) {
      await this.#post(`${this.#shopifyAdminUrl}/_control/faults`, { failNext: 0, chargeThenFailNext: 0, timeoutNext: 0 });
    }
    const now = Date.now();
    for (const w of this.windows) if (w.end > now) w.end = now;
  }

  async report(): Promise<unknown> {
    if (!this.#plan.enabled) return undefined;
    try {
      const res = await fetch(`${this.#runtimeUrl}/_local/faults`, { signal: AbortSignal.timeout(5_000) });
      return await res.json();
    } catch (error) {
      return { error: String(error) };
    }
  }

  async #fire(kind: Step['kind']): Promise<void> {
    const start = Date.now();
    switch (kind) {
      case 'dynamodbThrottle':
        this.counts.dynamodbThrottleWindows += 1;
        this.windows.push({ kind, start, end: start + this.#plan.throttleMs });
        await this.#post(`${this.#runtimeUrl}/_local/faults`, {
          dynamodbThrottle: { forMs: this.#plan.throttleMs, rate: this.#plan.throttleRate },
        });
        return;
      case 'sqsSendFailure':
        this.counts.sqsSendFailureWindows += 1;
        this.windows.push({ kind, start, end: start + this.#plan.sqsFailMs });
        await this.#post(`${this.#runtimeUrl}/_local/faults`, { sqsSendFailure: { forMs: this.#plan.sqsFailMs } });
        return;
      case 'paymentLostResponse':
        this.counts.paymentLostResponsesRequested += this.#plan.lostResponses;
        this.windows.push({ kind, start, end: start });
        await this.#post(`${this.#paymentsUrl}/_control/faults`, { chargeThenFailNext: this.#plan.lostResponses });
        return;
      case 'receiverFailure':
        // The next deliveries are refused 503: retried with backoff, in order per case.
        if (this.#receiverUrl === undefined) return;
        this.counts.receiverFailuresRequested += 6;
        this.windows.push({ kind, start, end: start });
        await this.#post(`${this.#receiverUrl}/_control/faults`, { fail: 6, failStatus: 503 });
        return;
      case 'stripeFailure':
        // The next Stripe calls fail (503), then two refunds are made but their answers lost:
        // retried, and settled by finding the refund, never by paying again.
        if (this.#stripeUrl === undefined) return;
        this.counts.stripeFailuresRequested += 2;
        this.counts.stripeLostResponsesRequested += 2;
        this.windows.push({ kind, start, end: start });
        await this.#post(`${this.#stripeUrl}/_control/faults`, { failNext: 2, failStatus: 503, refundThenLoseNext: 2 });
        return;
      case 'shopifyFailure':
        // The next Admin API calls fail (503), then two refunds are made and answered 500: settled
        // on the retry by reading the order's refunds (the note), never by paying again.
        if (this.#shopifyAdminUrl === undefined) return;
        this.counts.shopifyFailuresRequested += 2;
        this.counts.shopifyLostResponsesRequested += 2;
        this.windows.push({ kind, start, end: start });
        await this.#post(`${this.#shopifyAdminUrl}/_control/faults`, { failNext: 2, failStatus: 503, chargeThenFailNext: 2 });
        return;
      case 'notifierCrash':
        this.counts.notifierCrashesRequested += 1;
        this.windows.push({ kind, start, end: start });
        await this.#post(`${this.#runtimeUrl}/_local/faults`, {
          workerCrash: { function: 'deliver-notifications', afterMs: this.#random.int(5, 200) },
        });
        return;
      case 'workerCrash':
        this.counts.workerCrashesRequested += 1;
        this.windows.push({ kind, start, end: start });
        await this.#post(`${this.#runtimeUrl}/_local/faults`, {
          workerCrash: { function: 'apply-refund', afterMs: this.#random.int(20, 400) },
        });
        return;
    }
  }

  async #post(url: string, body: unknown): Promise<void> {
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(5_000),
      });
      if (!res.ok) this.errors.push(`${url} answered ${res.status}: ${(await res.text()).slice(0, 200)}`);
    } catch (error) {
      this.errors.push(`${url}: ${String(error)}`);
    }
  }
}
