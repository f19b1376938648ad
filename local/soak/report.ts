import { writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import type { InvariantResult } from './invariants.ts';
import type { LatencySummary } from './stats.ts';

/**
 * The soak's report: the whole result as JSON (bench/results/soak.json) and a markdown
 * section (bench/results/soak.md) that `npm run bench` folds into BENCHMARKS.md, plus the
 * plain-text summary printed at the end of a run.
 */

export type SoakReport = {
  runId: string;
  startedAt: string;
  settings: Record<string, unknown>;
  durations: { trafficMs: number; drainMs: number; drained: boolean; totalMs: number };
  /** The machine is shared: its 1-minute load average says how much else was running. */
  machine: { loadAverage1mAtStart: number; loadAverage1mMax: number };
  traffic: {
    requests: { total: number; c2xx: number; c4xx: number; c5xx: number; none: number };
    skippedForBackpressure: number;
    webhookEvents: Record<string, number>;
    /** Cancellations by answer: held, the case's status, the reason it was ignored. */
    cancelAnswers: Record<string, number>;
    byKindAndStatus: Record<string, Record<string, number>>;
    latencyMs: Record<string, LatencySummary>;
    staff: Record<string, unknown>;
  };
  faults: Record<string, unknown>;
  outcome: Record<string, unknown> & { runtimeLog: string };
  invariants: InvariantResult[];
  allInvariantsHold: boolean;
};

const minutes = (ms: number) => `${(ms / 60_000).toFixed(1)} min`;

function statusCells(row: Record<string, number>): string {
  return Object.entries(row)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([status, n]) => `${status === '0' ? 'no answer' : status}: ${n}`)
    .join(', ');
}

function markdown(r: SoakReport): string {
  const s = r.settings;
  const req = r.traffic.requests;
  const f = r.faults as Record<string, unknown>;
  const o = r.outcome;
  const lines: string[] = [
    '## Soak: mixed traffic under faults, with invariants',
    '',
    `\`npm run soak -- --minutes ${s.minutes} --rate ${s.rate}\` (run ${r.runId}, ${r.startedAt}, seed ${s.seed}), against the local runtime on loopback ` +
      `(DynamoDB Local + fauxqs + the real handlers) on ${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB ` +
      `(1-minute load average ${r.machine.loadAverage1mAtStart} at the start, up to ${r.machine.loadAverage1mMax}: the machine is shared). ` +
      `Traffic ${minutes(r.durations.trafficMs)}, drain ${minutes(r.durations.drainMs)} (${r.durations.drained ? 'drained' : 'NOT drained'}), total ${minutes(r.durations.totalMs)}.`,
    '',
    `**Invariants: ${r.allInvariantsHold ? 'all hold' : 'VIOLATED'}** (${r.invariants.filter((i) => i.ok).length}/${r.invariants.length}).`,
    '',
    '| invariant | result | evidence |',
    '|---|---|---|',
    ...r.invariants.map((i) => `| ${i.name} | ${i.ok ? 'holds' : '**violated**'} | ${i.summary.replaceAll('|', '\\|')} |`),
    '',
  ];
  const violated = r.invariants.filter((i) => !i.ok);
  if (violated.length > 0) {
    lines.push('Violations (first examples):', '');
    for (const i of violated) for (const e of i.examples) lines.push(`- ${i.name}: ${e}`);
    lines.push('');
  }
  lines.push(
    `**Traffic:** ${req.total} requests (2xx ${req.c2xx}, 4xx ${req.c4xx}, 5xx ${req.c5xx}, no answer ${req.none}; ${r.traffic.skippedForBackpressure} ticks skipped because ten seconds of requests were already in flight); ` +
      `staff traffic ${r.traffic.staff.exercised === true ? 'exercised' : `not exercised (${String(r.traffic.staff.reason)})`}.`,
    '',
    '| kind | answers | p50 ms | p95 ms | p99 ms | max ms |',
    '|---|---|---|---|---|---|',
  );
  for (const [kind, row] of Object.entries(r.traffic.byKindAndStatus)) {
    const l = r.traffic.latencyMs[kind];
    lines.push(`| ${kind} | ${statusCells(row)} | ${l?.p50 ?? '–'} | ${l?.p95 ?? '–'} | ${l?.p99 ?? '–'} | ${l?.max ?? '–'} |`);
  }
  const all = r.traffic.latencyMs.all;
  if (all !== undefined) lines.push(`| **all** | ${all.count} answered | ${all.p50} | ${all.p95} | ${all.p99} | ${all.max} |`);
  lines.push(
    '',
    `**Faults:** ${
      s.faults === true
        ? `payment provider failing ${(s.faultPlan as { paymentFailRate: number }).paymentFailRate * 100}% and timing out ${(s.faultPlan as { paymentTimeoutRate: number }).paymentTimeoutRate * 100}% of calls throughout; ` +
          `${String(f.dynamodbThrottleWindows)} DynamoDB throttle windows, ${String(f.sqsSendFailureWindows)} SQS send-failure windows, ${String(f.workerCrashesRequested)} refund worker crashes requested (${String(f.workerBatchesAbandoned)} batches, ${String(f.workerMessagesAbandoned)} messages abandoned), ${String(f.paymentLostResponsesRequested)} payments charged with the response lost`
        : 'none (--no-faults)'
    }. ` + `Payment provider calls: ${String(f.paymentProviderCalls)}.`,
    '',
    `**Outcome:** ${String(o.cases)} cases (${Object.entries(o.casesByStatus as Record<string, number>)
      .map(([k, n]) => `${k} ${n}`)
      .join(', ')}); ` +
      `${String(o.refundsApplied)} refunds applied, ${String(o.ledgerEntries)} ledger entries (${String(o.stripeRefunds ?? 0)} through Stripe, ${String(o.shopifyRefunds ?? 0)} through Shopify), ${String(o.refundsCancelled)} refunds cancelled before payment; ` +
      `${String(o.cancellationsAccepted)} cancellations accepted, ${String(o.heldEventsLeft)} early events still held; ` +
      `${String(o.escalations)} escalations and ${String(o.defaultResolutions)} default resolutions (escalation clock ×${String(s.clockRate)}); ${String(o.deadLetters)} dead letters.`,
    '',
    'Latencies are end to end through the local API Gateway stand-in on one shared 2-core machine that also runs DynamoDB Local and the load driver; they compare runs, not AWS. ' +
      `The refund queue's visibility timeout is ${String(s.visibilitySeconds)} s during the soak (180 s in AWS) so redeliveries cycle within the run; ` +
      `escalate-stale-cases and the outbox relay run every ${String(s.scheduleMs)} ms on a ×${String(s.clockRate)} clock (LOCAL_CLOCK_RATE), everything else on the real clock.`,
  );
  return `${lines.join('\n')}\n`;
}

function text(r: SoakReport): string {
  const lines = [
    `Soak ${r.runId}: ${r.traffic.requests.total} requests in ${minutes(r.durations.trafficMs)}, drain ${minutes(r.durations.drainMs)} (${r.durations.drained ? 'drained' : 'NOT drained'})`,
    'Requests by kind and status:',
    ...Object.entries(r.traffic.byKindAndStatus).map(([kind, row]) => {
      const l = r.traffic.latencyMs[kind];
      return `  ${kind.padEnd(36)} ${statusCells(row).padEnd(40)} p50 ${l?.p50 ?? '-'} p95 ${l?.p95 ?? '-'} p99 ${l?.p99 ?? '-'} ms`;
    }),
    `Cancellations answered: ${
      Object.entries(r.traffic.cancelAnswers)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([how, n]) => `${how} ×${n}`)
        .join(', ') || 'none'
    }`,
    `Outcome: ${JSON.stringify(r.outcome.casesByStatus)}; refunds applied ${String(r.outcome.refundsApplied)}, ledger ${String(r.outcome.ledgerEntries)} (${String(r.outcome.stripeRefunds ?? 0)} through Stripe, ${String(r.outcome.shopifyRefunds ?? 0)} through Shopify); cancellations accepted ${String(r.outcome.cancellationsAccepted)}, early events still held ${String(r.outcome.heldEventsLeft)}; escalations ${String(r.outcome.escalations)}, default resolutions ${String(r.outcome.defaultResolutions)}`,
    `Staff traffic: ${r.traffic.staff.exercised === true ? 'exercised' : `not exercised (${String(r.traffic.staff.reason)})`}`,
    'Invariants:',
    ...r.invariants.flatMap((i) => [`  ${i.ok ? 'OK  ' : 'FAIL'} ${i.name}: ${i.summary}`, ...i.examples.map((e) => `         - ${e}`)]),
    r.allInvariantsHold ? 'ALL INVARIANTS HOLD' : 'INVARIANTS VIOLATED',
  ];
  return lines.join('\n');
}

export function writeReport(report: SoakReport, outDir: string): { json: string; markdown: string; text: string } {
  const json = join(outDir, 'soak.json');
  const md = join(outDir, 'soak.md');
  writeFileSync(json, `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(md, markdown(report));
  return { json, markdown: md, text: text(report) };
}
