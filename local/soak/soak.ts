import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { GetQueueUrlCommand, SetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DUE_INDEX_SHARDS, notificationQueue, refundQueue } from '#infra/definitions.ts';
import {
  caseKey,
  dueCasesQuery,
  itemKindOf,
  pendingOutboxQuery,
  sellerCasesQuery,
  unqueuedNotificationsQuery,
} from '#lib/adapters/dynamodb/table-schema.ts';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../engines.ts';
import { localFunctions } from '../functions.ts';
import type { LedgerEntry } from '../payment-simulator.ts';
import type { StandinStripeRefund } from '../stripe-standin.ts';
import type { StandinRefund } from '../shopify-admin-standin.ts';
import { caseIdOfRefund } from '#lib/contract/refund-message.ts';
import { minorUnitDigits } from '#lib/contract/money.ts';
import { defaultFaultPlan, FaultInjector } from './faults.ts';
import {
  checkDeadLetters,
  checkDeliveriesAppliedOnce,
  checkCrossSellerChangedNothing,
  checkDrained,
  checkHistories,
  checkMalformedWroteNothing,
  checkNo5xx,
  checkNoRefundAfterAcceptedCancel,
  checkNotifications,
  checkOneCasePerAcceptedReturn,
  checkCarrierClaimsAndAppeals,
  checkRefundsExactlyOnce,
  checkReturnLeg,
  documentClientFor,
  type InvariantResult,
  queueState,
  type ReceiverReport,
  readDeadLetters,
  scanTable,
} from './invariants.ts';
import { createProgress } from './progress.ts';
import { Random } from './random.ts';
import { type SoakReport, writeReport } from './report.ts';
import { startSoakRuntime } from './runtime.ts';
import { loadStaffTraffic, type TrafficModule } from './staff-traffic.ts';
import { Recorder } from './stats.ts';
import { SOAK_SELLERS, WebhookTraffic } from './webhook-traffic.ts';
import { caseStatuses, isWatchedByDeadline } from '#lib/workflow/case.ts';

/**
 * `npm run soak -- --minutes N --rate R`: mixed traffic against the local runtime under
 * injected faults, then an invariant check of everything it left behind.
 *
 * Steps: start the runtime as a child process (in memory, free ports, LOCAL_FAULTS=1, fast
 * schedules, an accelerated escalation clock); shorten the refund queue's visibility timeout
 * so redeliveries cycle within the run; send webhooks (and staff traffic, when the seller API
 * exists) at a steady rate while the fault schedule runs; stop traffic, heal every fault and
 * let the system drain (queue empty, outbox empty, no refund or escalation pending) within a
 * bounded wait; check the invariants against the table, queues and payment ledger; stop the
 * runtime (its Java process included); write bench/results/soak.{json,md}. Exit code 0 only
 * when every invariant holds.
 */

const root = dirname(dirname(dirname(fileURLToPath(import.meta.url))));

const usage = `Usage: npm run soak -- [options]

  --minutes N            traffic duration (default 1; fractions allowed)
  --rate R               marketplace webhook events per second (default 10)
  --staff-rate S         seller staff operations per second, when the seller API exists (default rate/3)
  --seed X               seed for the traffic mix (default: random)
  --no-faults            no injected faults (payments, DynamoDB, SQS, worker crashes)
  --clock-rate C         escalation clock speed-up, LOCAL_CLOCK_RATE (default 7200: 2 h per second)
  --schedule-ms M        how often scheduled functions run, SCHEDULE_EVERY_MS (default 2000)
  --visibility-seconds V refund queue visibility timeout during the soak (default 20)
  --drain-minutes D      longest wait for the system to drain after traffic (default 6)
  --max-requests Q       hard cap on requests sent (default 3 × minutes × 60 × rate)
  --out DIR              where soak.json and soak.md go (default bench/results)
  -h, --help             this text`;

function fail(message: string): never {
  process.stderr.write(`${message}\n\n${usage}\n`);
  process.exit(2);
}

function options() {
  let parsed;
  try {
    parsed = parseArgs({
      options: {
        minutes: { type: 'string', default: '1' },
        rate: { type: 'string', default: '10' },
        'staff-rate': { type: 'string' },
        seed: { type: 'string' },
        'no-faults': { type: 'boolean', default: false },
        'clock-rate': { type: 'string', default: '7200' },
        'schedule-ms': { type: 'string', default: '2000' },
        'visibility-seconds': { type: 'string', default: '20' },
        'drain-minutes': { type: 'string', default: '6' },
        'max-requests': { type: 'string' },
        out: { type: 'string', default: join(root, 'bench', 'results') },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    fail((error as Error).message);
  }
  const v = parsed.values;
  if (v.help) {
    process.stdout.write(`${usage}\n`);
    process.exit(0);
  }
  const number = (name: string, raw: string | undefined, min: number, max: number): number => {
    const n = Number(raw);
    if (raw === undefined || !Number.isFinite(n) || n < min || n > max)
      fail(`--${name} must be a number from ${min} to ${max}, got '${raw}'`);
    return n;
  };
  const minutes = number('minutes', v.minutes, 0.05, 240);
  const rate = number('rate', v.rate, 0.1, 500);
  return {
    minutes,
    rate,
    staffRate: v['staff-rate'] === undefined ? rate / 3 : number('staff-rate', v['staff-rate'], 0, 500),
    seed: v.seed === undefined ? randomBytes(4).readUInt32BE(0) : number('seed', v.seed, 0, 2 ** 32 - 1),
    faults: !v['no-faults'],
    clockRate: number('clock-rate', v['clock-rate'], 1, 1_000_000),
    scheduleMs: number('schedule-ms', v['schedule-ms'], 1_000, 600_000),
    visibilitySeconds: number('visibility-seconds', v['visibility-seconds'], 5, 43_200),
    drainMs: number('drain-minutes', v['drain-minutes'], 0.1, 60) * 60_000,
    maxRequests:
      v['max-requests'] === undefined ? Math.ceil(3 * minutes * 60 * rate) + 100 : number('max-requests', v['max-requests'], 1, 10_000_000),
    out: resolve(v.out),
  };
}

type DrainState = { queue: number; outbox: number; refundPending: number; awaitingDeadline: number; notifications: number };

function formatMs(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  return `${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}

async function main(): Promise<number> {
  const opts = options();
  const runId = randomBytes(3).toString('hex');
  const random = new Random(opts.seed);
  const progress = createProgress();
  const logFile = join(tmpdir(), `dispute-desk-soak-${runId}.log`);
  const startedAt = Date.now();
  const escalationPresent = localFunctions.some((fn) => fn.functionName === 'escalate-stale-cases');
  mkdirSync(opts.out, { recursive: true });

  process.stderr.write(
    `soak ${runId}: ${opts.minutes} min at ${opts.rate} webhooks/s (seed ${opts.seed}), faults ${opts.faults ? 'on' : 'off'}, ` +
      `escalation clock ×${opts.clockRate}; runtime log: ${logFile}\n`,
  );
  const runtime = await startSoakRuntime({
    faults: opts.faults,
    clockRate: opts.clockRate,
    scheduleEveryMs: opts.scheduleMs,
    paymentTimeoutMs: 2_000,
    logFile,
  });
  let interrupted = false;
  function onSignal(): void {
    if (interrupted) process.exit(130);
    interrupted = true;
    process.stderr.write('\ninterrupted: stopping traffic, then checking and stopping the runtime (Ctrl-C again to abandon)\n');
  }
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const sqs = new SQSClient({ endpoint: runtime.sqsEndpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  const dynamo = documentClientFor(runtime.dynamodbEndpoint);
  try {
    const queueUrl = (await sqs.send(new GetQueueUrlCommand({ QueueName: refundQueue.name }))).QueueUrl ?? '';
    const dlqUrl = (await sqs.send(new GetQueueUrlCommand({ QueueName: refundQueue.deadLetter.queue.name }))).QueueUrl ?? '';
    const notificationQueueUrl = (await sqs.send(new GetQueueUrlCommand({ QueueName: notificationQueue.name }))).QueueUrl ?? '';
    // Redeliveries (failed payments, abandoned batches) come back within the run, not after 3 min.
    for (const url of [queueUrl, notificationQueueUrl]) {
      await sqs.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { VisibilityTimeout: String(opts.visibilitySeconds) } }));
    }

    const recorder = new Recorder();
    const webhooks = new WebhookTraffic({
      baseUrl: runtime.baseUrl,
      recorder,
      random,
      runId,
      stripeUrl: runtime.stripeUrl,
      shopifyAdminUrl: runtime.shopifyAdminUrl,
    });
    const staffLoad = await loadStaffTraffic({
      baseUrl: runtime.baseUrl,
      recorder,
      random,
      webhooks: webhooks.model,
      sellers: SOAK_SELLERS,
    });
    const staff: TrafficModule | undefined = opts.staffRate > 0 ? staffLoad.module : undefined;
    process.stderr.write(
      `staff traffic: ${staff === undefined ? `not exercised (${staffLoad.reason})` : `on, ${Number(opts.staffRate.toFixed(2))}/s (${staffLoad.reason})`}\n`,
    );
    process.stderr.write(
      `escalation: ${escalationPresent ? `escalate-stale-cases every ${opts.scheduleMs} ms on a ×${opts.clockRate} clock` : 'function not present'}\n`,
    );
    const faults = new FaultInjector({
      plan: { ...defaultFaultPlan, enabled: opts.faults },
      runtimeUrl: runtime.baseUrl,
      paymentsUrl: runtime.paymentsUrl,
      receiverUrl: runtime.notificationsUrl,
      stripeUrl: runtime.stripeUrl,
      shopifyAdminUrl: runtime.shopifyAdminUrl,
      random,
    });
    await faults.begin();

    // Traffic: ticks at absolute times, so a slow moment does not lower the rate afterwards.
    const durationMs = opts.minutes * 60_000;
    // Open loop up to about ten seconds of backlog; beyond that a tick is skipped (and counted)
    // rather than piling requests onto a runtime that is already behind.
    const maxInFlight = Math.max(32, Math.ceil((opts.rate + opts.staffRate) * 10));
    const trafficStart = Date.now();
    const loadAtStart = loadavg()[0] ?? 0;
    let maxLoad = loadAtStart;
    let webhookTicks = 0;
    let staffTicks = 0;
    let skipped = 0;
    for (;;) {
      const elapsed = Date.now() - trafficStart;
      if (elapsed >= durationMs || interrupted || recorder.records.length >= opts.maxRequests) break;
      await faults.tick(elapsed);
      while (webhookTicks < (elapsed / 1000) * opts.rate) {
        webhookTicks += 1;
        if (recorder.inFlight >= maxInFlight) skipped += 1;
        else webhooks.tick();
      }
      while (staff !== undefined && staffTicks < (elapsed / 1000) * opts.staffRate) {
        staffTicks += 1;
        if (recorder.inFlight >= maxInFlight) skipped += 1;
        else staff.tick();
      }
      maxLoad = Math.max(maxLoad, loadavg()[0] ?? 0);
      const c = recorder.counts();
      const rps = elapsed > 0 ? (c.total / elapsed) * 1000 : 0;
      progress.update(
        elapsed / durationMs,
        `${formatMs(elapsed)}/${formatMs(durationMs)} req ${c.total} (2xx ${c.c2xx} 4xx ${c.c4xx} 5xx ${c.c5xx}${c.none > 0 ? ` none ${c.none}` : ''}) ${rps.toFixed(1)}/s in-flight ${recorder.inFlight}` +
          `${skipped > 0 ? ` skipped ${skipped}` : ''} faults[${faults.active().join(',') || '-'}]`,
      );
      await sleep(Math.min(50, 1000 / Math.max(opts.rate, opts.staffRate, 1)));
    }
    const trafficEnded = Date.now();
    progress.done(`traffic done after ${formatMs(trafficEnded - trafficStart)}: ${recorder.records.length} requests; settling retries…`);
    await webhooks.settle(60_000);
    await staff?.settle(60_000);

    // Heal everything, then wait until nothing is left to do.
    await faults.end();
    const faultReport = await faults.report();
    const drainStart = Date.now();
    let quietSince: number | undefined;
    let last: DrainState = { queue: -1, outbox: -1, refundPending: -1, awaitingDeadline: -1, notifications: -1 };
    while (Date.now() - drainStart < opts.drainMs && !runtime.exited()) {
      last = await drainState(dynamo, runtime.tableName, sqs, { queueUrl, notificationQueueUrl }, escalationPresent && opts.clockRate > 1);
      const quiet =
        last.queue === 0 && last.outbox === 0 && last.refundPending === 0 && last.awaitingDeadline === 0 && last.notifications === 0;
      if (quiet) {
        quietSince ??= Date.now();
        // Quiet for two schedule periods: the relay and the sweep ran and found nothing.
        if (Date.now() - quietSince >= 2 * opts.scheduleMs + 1_000) break;
      } else {
        quietSince = undefined;
      }
      progress.update(
        (Date.now() - drainStart) / opts.drainMs,
        `draining ${formatMs(Date.now() - drainStart)}: queue ${last.queue}, outbox ${last.outbox}, refunds pending ${last.refundPending}, cases with a deadline ${last.awaitingDeadline}, notifications ${last.notifications}`,
      );
      await sleep(1_000);
    }
    const drainMs = Date.now() - drainStart;
    const drained = quietSince !== undefined;
    progress.done(`${drained ? 'drained' : 'NOT drained'} after ${formatMs(drainMs)}; checking invariants…`);

    // The proof.
    const snapshot = await scanTable(dynamo, runtime.tableName);
    if (!drained) {
      // What is still waiting, so a run that did not drain says why.
      const waiting = [...snapshot.cases.values()]
        .filter((c) => c.dueAt !== undefined && isWatchedByDeadline(c.status))
        .slice(0, 5)
        .map((c) => {
          const last = snapshot.events.get(c.caseId)?.at(-1);
          return `${c.caseId} ${c.status} ${c.escalationLevel} due ${c.dueAt} (escalation clock), last ${last?.action ?? '?'} at ${last?.at ?? '?'}`;
        });
      for (const line of waiting) process.stderr.write(`  still waiting: ${line}\n`);
    }
    const simulator = (await (await fetch(`${runtime.paymentsUrl}/_control/ledger`)).json()) as { refunds: LedgerEntry[]; calls: number };
    // Stripe's refunds (the stand-in's record) in the same shape: one ledger over both providers.
    const stripe = (await (await fetch(`${runtime.stripeUrl}/_control/ledger`)).json()) as { refunds: StandinStripeRefund[] };
    // And Shopify's (its stand-in's record): refunds of the Shopify-paid seller.
    const shopify = (await (await fetch(`${runtime.shopifyAdminUrl}/_control/ledger`)).json()) as { refunds: StandinRefund[] };
    const ledger = {
      calls: simulator.calls,
      refunds: [...simulator.refunds, ...stripe.refunds.map(stripeLedgerEntry), ...shopify.refunds.map(shopifyLedgerEntry)],
      stripeRefunds: stripe.refunds.length,
      shopifyRefunds: shopify.refunds.length,
    };
    const queue = await queueState(sqs, queueUrl);
    const deadLetters = await readDeadLetters(sqs, dlqUrl, { remove: false });
    const told = (await (await fetch(`${runtime.notificationsUrl}/_control/deliveries`)).json()) as ReceiverReport;
    const invariants: InvariantResult[] = [
      checkOneCasePerAcceptedReturn(snapshot, webhooks.model),
      checkHistories(snapshot),
      checkDeliveriesAppliedOnce(snapshot, webhooks.model),
      checkRefundsExactlyOnce(snapshot, ledger.refunds),
      checkReturnLeg(snapshot, ledger.refunds),
      checkCarrierClaimsAndAppeals(snapshot, ledger.refunds),
      checkNoRefundAfterAcceptedCancel(snapshot, ledger.refunds, webhooks.model),
      checkCrossSellerChangedNothing(snapshot, webhooks.model),
      checkDrained(queue, snapshot),
      checkDeadLetters(deadLetters, snapshot),
      checkNo5xx(recorder.records, faults.windows, webhooks.model),
      checkMalformedWroteNothing(snapshot, webhooks.model, staff?.wrongRefusals() ?? []),
      // demo-market is told by signed webhook (the local receiver); Shopify through its Admin API stand-in.
      checkNotifications(snapshot, told, ['demo-market']),
    ];

    const stopped = await runtime.stop();
    invariants.push({
      name: 'the runtime stopped cleanly and its Java process is gone',
      ok: stopped.exitCode === 0 && stopped.javaGone && !stopped.forced,
      summary: `exit code ${stopped.exitCode}${stopped.signal === null ? '' : ` (signal ${stopped.signal})`}, Java (pid ${runtime.javaPid}) ${stopped.javaGone ? 'gone' : 'NOT proven gone'}${stopped.forced ? ', had to be killed' : ''}`,
      examples: [],
      counts: { exitCode: stopped.exitCode ?? -1 },
    });

    const events = [...snapshot.events.values()].flat();
    const countAction = (action: string) => events.filter((e) => e.action === action).length;
    const statuses: Record<string, number> = {};
    for (const c of snapshot.cases.values()) statuses[c.status] = (statuses[c.status] ?? 0) + 1;
    const report: SoakReport = {
      runId,
      startedAt: new Date(startedAt).toISOString(),
      settings: {
        minutes: opts.minutes,
        rate: opts.rate,
        staffRate: staff === undefined ? 0 : Number(opts.staffRate.toFixed(2)),
        seed: opts.seed,
        faults: opts.faults,
        clockRate: opts.clockRate,
        scheduleMs: opts.scheduleMs,
        visibilitySeconds: opts.visibilitySeconds,
        maxRequests: opts.maxRequests,
        faultPlan: opts.faults ? defaultFaultPlan : undefined,
      },
      durations: { trafficMs: trafficEnded - trafficStart, drainMs, drained, totalMs: Date.now() - startedAt },
      machine: { loadAverage1mAtStart: Number(loadAtStart.toFixed(2)), loadAverage1mMax: Number(maxLoad.toFixed(2)) },
      traffic: {
        requests: recorder.counts(),
        skippedForBackpressure: skipped,
        webhookEvents: webhooks.eventsSent,
        cancelAnswers: webhooks.cancelAnswers,
        byKindAndStatus: recorder.byKindAndStatus(),
        latencyMs: recorder.latencyByKind(),
        staff: staff === undefined ? { exercised: false, reason: staffLoad.reason } : { exercised: true, ...staff.summary() },
      },
      faults: {
        ...faults.counts,
        ...crashCounts(faultReport),
        windows: faults.windows.length,
        injected: faultReport,
        controlErrors: faults.errors,
        paymentProviderCalls: ledger.calls,
      },
      outcome: {
        cases: snapshot.cases.size,
        casesByStatus: statuses,
        tableItems: snapshot.items,
        cancellationsAccepted: [...webhooks.model.returns.values()].filter((r) => r.cancelAccepted).length,
        heldEventsLeft: [...snapshot.held.values()].reduce((n, h) => n + h.events, 0),
        refundsApplied: [...snapshot.cases.values()].filter((c) => c.refund?.status === 'APPLIED').length,
        refundsCancelled: [...snapshot.cases.values()].filter((c) => c.refund?.status === 'CANCELLED').length,
        ledgerEntries: ledger.refunds.length,
        stripeRefunds: ledger.stripeRefunds,
        shopifyRefunds: ledger.shopifyRefunds,
        escalations: countAction('ESCALATED'),
        defaultResolutions: countAction('DEFAULT_RESOLUTION'),
        escalationPresent,
        deadLetters: deadLetters.length,
        runtimeErrorLines: runtime.errorLines(),
        runtimeLog: logFile,
      },
      invariants,
      allInvariantsHold: invariants.every((i) => i.ok),
    };
    const files = writeReport(report, opts.out);
    process.stdout.write(`\n${files.text}\n`);
    process.stdout.write(`written: ${files.json}, ${files.markdown}\n`);
    return report.allInvariantsHold ? 0 : 1;
  } catch (error) {
    process.stderr.write(`\nsoak failed: ${(error as Error).stack ?? String(error)}\n`);
    await runtime.stop().catch(() => undefined);
    return 1;
  } finally {
    sqs.destroy();
    dynamo.destroy();
  }
}

function crashCounts(report: unknown): { workerBatchesAbandoned: number; workerMessagesAbandoned: number } {
  const crashes = (report as { workerCrashes?: Record<string, { batches: number; messages: number }> } | undefined)?.workerCrashes?.[
    'apply-refund'
  ];
  return { workerBatchesAbandoned: crashes?.batches ?? 0, workerMessagesAbandoned: crashes?.messages ?? 0 };
}

/** What is still moving: refund messages, outbox records, refunds due, cases the sweep will escalate. */
async function drainState(
  dynamo: ReturnType<typeof documentClientFor>,
  tableName: string,
  sqs: SQSClient,
  queues: { queueUrl: string; notificationQueueUrl: string },
  watchDeadlines: boolean,
): Promise<DrainState> {
  const q = await queueState(sqs, queues.queueUrl);
  const nq = await queueState(sqs, queues.notificationQueueUrl);
  let unqueued = 0;
  for (let shard = 0; shard < DUE_INDEX_SHARDS; shard++) {
    unqueued += await countQuery(dynamo, { TableName: tableName, ...unqueuedNotificationsQuery(shard) });
  }
  let outbox = 0;
  let awaitingDeadline = 0;
  for (let shard = 0; shard < DUE_INDEX_SHARDS; shard++) {
    outbox += await countQuery(dynamo, { TableName: tableName, ...pendingOutboxQuery(shard) });
  }
  if (watchDeadlines) {
    // Due cases waiting on a deadline of their own (staff, the return leg, a follow-up). A case the
    // due index keeps only for a carrier claim's filing window (60 days: minutes even on the
    // soak's clock) has no work left that could move money (#19): a settled one, or one whose
    // status is watched but which has no deadline of its own (a reship staff approved). The index
    // does not project dueAt, so each candidate's case is read (a handful at the end of a run).
    const watched = caseStatuses.filter(isWatchedByDeadline);
    const values = Object.fromEntries(watched.map((s, i) => [`:w${i}`, s]));
    for (let shard = 0; shard < DUE_INDEX_SHARDS; shard++) {
      const query = dueCasesQuery(shard);
      let startKey: Record<string, unknown> | undefined;
      do {
        const out = await dynamo.send(
          new QueryCommand({
            TableName: tableName,
            ...query,
            FilterExpression: `#st IN (${Object.keys(values).join(', ')})`,
            ExpressionAttributeNames: { '#st': 'status' },
            ExpressionAttributeValues: { ...query.ExpressionAttributeValues, ...values },
            ExclusiveStartKey: startKey,
          }),
        );
        for (const entry of out.Items ?? []) {
          const kind = itemKindOf(entry);
          if (kind.kind !== 'CASE') continue;
          const own = (
            await dynamo.send(new GetCommand({ TableName: tableName, Key: caseKey(kind.caseId), ProjectionExpression: 'dueAt' }))
          ).Item;
          if (own?.dueAt !== undefined) awaitingDeadline += 1;
        }
        startKey = out.LastEvaluatedKey;
      } while (startKey !== undefined);
    }
  }

  let refundPending = 0;
  for (const seller of SOAK_SELLERS) {
    const sellerCases = sellerCasesQuery(seller);
    refundPending += await countQuery(dynamo, {
      TableName: tableName,
      ...sellerCases,
      FilterExpression: '#s = :pending',
      ExpressionAttributeNames: { '#s': 'status' },
      ExpressionAttributeValues: { ...sellerCases.ExpressionAttributeValues, ':pending': 'REFUND_PENDING' },
    });
  }
  return {
    queue: q.visible + q.inFlight + q.delayed,
    outbox,
    refundPending,
    awaitingDeadline,
    notifications: unqueued + nq.visible + nq.inFlight + nq.delayed,
  };
}

async function countQuery(
  dynamo: ReturnType<typeof documentClientFor>,
  input: ConstructorParameters<typeof QueryCommand>[0],
): Promise<number> {
  let count = 0;
  let startKey: Record<string, unknown> | undefined;
  for (let page = 0; page < 10_000; page++) {
    const out = await dynamo.send(new QueryCommand({ ...input, Select: 'COUNT', ExclusiveStartKey: startKey }));
    count += out.Count ?? 0;
    startKey = out.LastEvaluatedKey;
    if (startKey === undefined) break;
  }
  return count;
}

process.exitCode = await main();

/** A Stripe refund as a ledger entry: the refund id it was made for is in its metadata. */
/** A Shopify refund as a ledger entry: our refund id is in its note (`dispute-desk:<refund id>`). */
function shopifyLedgerEntry(r: StandinRefund): LedgerEntry {
  const refundId = r.note.startsWith('dispute-desk:') ? r.note.slice('dispute-desk:'.length) : `(no refund id: ${r.id})`;
  return {
    idempotencyKey: refundId,
    reference: r.id,
    caseId: caseIdOfRefund(refundId) ?? '(no case id)',
    amount: Math.round(Number(r.amount) * 10 ** minorUnitDigits(r.currencyCode)),
    currency: r.currencyCode,
    paidAt: r.createdAt,
    calls: r.calls,
  };
}

function stripeLedgerEntry(r: StandinStripeRefund): LedgerEntry {
  return {
    idempotencyKey: r.metadata.refundId ?? `(no refund id: ${r.id})`,
    reference: r.id,
    caseId: r.metadata.caseId ?? '(no case id)',
    amount: r.amount,
    currency: r.currency.toUpperCase(),
    paidAt: new Date(r.created * 1000).toISOString(),
    calls: 1,
  };
}
