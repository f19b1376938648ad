/**
 * Escalation sweep benchmark: `node bench/escalation.ts [--cases N] [--due-percent P] [--claims-percent C] [--limit N] [--concurrency N] [--scan]`.
 * With --backlog every case is due and the report (escalation-backlog.md) is about draining
 * it over runs, each run inside the deployed function's time budget (about 10 minutes for
 * 100,000 cases here, so `npm run bench` does not run it; it only assembles its last report).
 *
 * Steps:
 * 1. Start its own DynamoDB Local (in memory) and fauxqs; provision the table and queues from
 *    infra/definitions.ts.
 * 2. Seed N open cases (default 100,000), all waiting for staff, 1% of them past their
 *    deadline, spread over the three escalation levels; and, among them, C% (default 1) settled
 *    cases with a carrier claim still to file (#19), half of those past their warning date and
 *    a quarter past their filing deadline. Shortcut, on purpose: items are
 *    bulk-written with BatchWriteItem using the store's own mapping (toCaseItem from
 *    dynamodb/table-schema.ts, so every index attribute is the production one), from case
 *    records the real intake logic built; history and delivery items are not written, as
 *    the sweep never reads them. Going through CaseStore.commit (one transaction per case)
 *    would take many minutes for 100,000 cases on DynamoDB Local.
 * 3. Run the real escalate-stale-cases use case (real adapters, counting document client)
 *    sweep after sweep with the per-run limit until nothing is due; count items read from
 *    the index and from the table, and time each sweep.
 * 4. Reference, with --scan only (DynamoDB Local scans very slowly): a Scan with a filter,
 *    what a sweep without the sparse index would read. Without it the report states the count.
 * 5. Write bench/results/escalation.json and bench/results/escalation.md; stop both engines
 *    (the Java process included).
 *
 * Timings are never asserted anywhere; this is a measuring tool.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { BatchWriteCommand, DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDbCaseStore } from '#lib/adapters/dynamodb-case-store.ts';
import { indexEntryOf, openDeadlineIndex, toCaseItem } from '#lib/adapters/dynamodb/table-schema.ts';
import { DynamoDbDueCases } from '#lib/adapters/dynamodb-due-cases.ts';
import { SqsRefundQueue } from '#lib/adapters/sqs-refund-queue.ts';
import { StaticPolicyProvider } from '#lib/adapters/static-policy-provider.ts';
import { type CaseRecord, caseIdFor, type EscalationLevel } from '#lib/workflow/case.ts';
import { fixedClock } from '#lib/ports/clock.ts';
import { escalateStaleCases, type EscalateStaleCasesResult } from '#lib/use-cases/escalate-stale-cases.ts';
import { LOCAL_CREDENTIALS, LOCAL_REGION, startDynamoDbLocal, startSqsEngine } from '#local/engines.ts';
import { provisionQueues, provisionTable } from '#local/provision.ts';
import { newCaseCommit } from '#test/support/case-factory.ts';
import { countingDocumentClient } from '#test/support/counting-client.ts';

function argInt(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  if (i === -1) return fallback;
  const n = Number(process.argv[i + 1]);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} needs a positive number`);
  return n;
}

/** --backlog: every case is due (a 100,000-case backlog), drained sweep after sweep. */
const BACKLOG = process.argv.includes('--backlog');
const CASES = argInt('--cases', 100_000);
const DUE_PERCENT = BACKLOG ? 100 : argInt('--due-percent', 1);
const LIMIT = argInt('--limit', 500);
const CONCURRENCY = argInt('--concurrency', 8);
const SCAN = process.argv.includes('--scan');
/** Settled cases with a carrier claim still to file (#19), this share of all cases; half of them due (warned), a quarter past filing (expired). */
const claimsArg = process.argv.indexOf('--claims-percent');
const CLAIMS_PERCENT = BACKLOG ? 0 : claimsArg === -1 ? 1 : Number(process.argv[claimsArg + 1]);
if (!Number.isFinite(CLAIMS_PERCENT) || CLAIMS_PERCENT < 0 || CLAIMS_PERCENT > 50) throw new Error('--claims-percent needs 0 to 50');
const SEED_CONCURRENCY = 8;
/** As deployed (infra/stacks/stateless-stack.ts, functions/lib/wiring/escalation-settings.ts): each sweep is a 60 s invocation that starts no case in its last 10 s. */
const LAMBDA_TIMEOUT_MS = 60_000;
const RESERVE_MS = 10_000;
const RESULTS_NAME = BACKLOG ? 'escalation-backlog' : 'escalation';
const TABLE = 'bench-escalation';
const MARKETPLACE = 'bench-market';
const NOW = '2026-11-10T12:00:00.000Z';
const NOW_MS = Date.parse(NOW);
const HOUR = 3_600_000;
const levels: readonly EscalationLevel[] = [
  'AGENT',
  'AGENT',
  'AGENT',
  'AGENT',
  'AGENT',
  'AGENT',
  'AGENT',
  'AGENT',
  'SUPERVISOR',
  'MANAGER',
];

const log = (line: string) => process.stdout.write(`${line}\n`);
const fmt = (n: number) => n.toLocaleString('en-US');

/* ------------------------------------------------------------------------------------------ */
/* Item size and billed read capacity (DynamoDB Local's own accounting differs from AWS's)      */
/* ------------------------------------------------------------------------------------------ */

/** DynamoDB's item size rules, closely enough for capacity estimates. */
function sizeOf(value: unknown): number {
  if (value === null || value === undefined || typeof value === 'boolean') return 1;
  if (typeof value === 'string') return Buffer.byteLength(value, 'utf8');
  if (typeof value === 'number') return Math.ceil(String(Math.abs(value)).replace(/[.-]/g, '').length / 2) + 1;
  if (Array.isArray(value)) return 3 + value.reduce((n: number, v) => n + 1 + sizeOf(v), 0);
  return 3 + Object.entries(value as Record<string, unknown>).reduce((n, [k, v]) => n + Buffer.byteLength(k) + 1 + sizeOf(v), 0);
}
const itemSize = (item: Record<string, unknown>) => Object.entries(item).reduce((n, [k, v]) => n + Buffer.byteLength(k) + sizeOf(v), 0);

/* ------------------------------------------------------------------------------------------ */
/* Seeding                                                                                      */
/* ------------------------------------------------------------------------------------------ */

/** Case records built by the real intake logic, one per shape, cloned per seeded case. */
const templates: CaseRecord[] = [
  newCaseCommit({ shape: 'AWAITING_APPROVAL' }, { marketplace: MARKETPLACE }).next,
  newCaseCommit({ shape: 'AWAITING_APPROVAL', urgent: true }, { marketplace: MARKETPLACE }).next,
  newCaseCommit({ shape: 'NEEDS_REVIEW' }, { marketplace: MARKETPLACE }).next,
  newCaseCommit({ shape: 'NEEDS_REVIEW', urgent: true }, { marketplace: MARKETPLACE }).next,
];

const dueEvery = Math.round(100 / DUE_PERCENT);
const claimEvery = CLAIMS_PERCENT > 0 ? Math.round(100 / CLAIMS_PERCENT) : 0;
/** A claim case sits between two staff cases' positions, so the two kinds never share a number. */
const isClaim = (i: number) => claimEvery > 0 && i % claimEvery === Math.floor(claimEvery / 2) && i % dueEvery !== 0;
const claimIndex = (i: number) => Math.floor(i / claimEvery);
const isDueClaim = (i: number) => isClaim(i) && claimIndex(i) % 2 === 0;
const isExpiredClaim = (i: number) => isDueClaim(i) && claimIndex(i) % 4 === 0;
const isDue = (i: number) => i % dueEvery === 0;

/** A parcel damaged in transit, decided and paid: the carrier bears the cost, its claim is to file (#19). */
const claimTemplate: CaseRecord = (() => {
  const shipped = '2026-10-20T10:00:00.000Z';
  const plus = (days: number) => new Date(Date.parse(shipped) + days * 24 * HOUR).toISOString();
  const c = newCaseCommit(
    {
      shape: 'NEEDS_REVIEW',
      returnOverrides: {
        reason: 'LOGISTICS_DAMAGED_IN_TRANSIT',
        requestedRemedy: 'FULL_REFUND',
        timeline: { orderedAt: plus(-1), shippedAt: shipped, deliveredAt: plus(2), claimedAt: plus(4) },
        carrier: {
          code: 'sf-express',
          trackingNumber: 'SF-BENCH',
          weightAtPickupGrams: 2_000,
          weightAtDeliveryGrams: 2_000,
          events: [
            { type: 'PICKED_UP', at: shipped, weightGrams: 2_000 },
            { type: 'EXCEPTION_DAMAGE', at: plus(1) },
            { type: 'DELIVERED', at: plus(2) },
          ],
        },
        evidence: [
          { id: 'ev-box', kind: 'PACKAGING_PHOTO', finding: 'CRUSHED', submittedBy: 'BUYER', submittedAt: plus(4) },
          { id: 'ev-item', kind: 'PRODUCT_PHOTO', finding: 'DAMAGED', submittedBy: 'BUYER', submittedAt: plus(4) },
        ],
      },
    },
    { marketplace: MARKETPLACE, now: plus(4) },
  ).next;
  if (c.carrierClaim === undefined || c.refund === undefined) throw new Error('the claim template opened no carrier claim');
  const { dueAt: _none, ...paid } = c;
  return { ...paid, status: 'REFUNDED', refund: { ...c.refund, status: 'APPLIED', appliedAt: plus(5) } };
})();

function claimCase(i: number): CaseRecord {
  const marketplaceReturnId = `bench-ret-${i}`;
  const claim = claimTemplate.carrierClaim as NonNullable<CaseRecord['carrierClaim']>;
  const offset = ((i * 7_919) % (72 * 60)) * 60_000;
  // Due: its warning passed (filing still open), or, for a quarter, its filing deadline too.
  const warnAt = new Date(isDueClaim(i) ? NOW_MS - offset - 1_000 : NOW_MS + 60_000 + offset).toISOString();
  const fileBy = new Date(isExpiredClaim(i) ? NOW_MS - 1_000 : Date.parse(warnAt) + 7 * 24 * HOUR).toISOString();
  return {
    ...claimTemplate,
    caseId: caseIdFor(MARKETPLACE, marketplaceReturnId),
    marketplaceReturnId,
    orderId: `bench-ord-${i}`,
    return: { ...claimTemplate.return, marketplaceReturnId, orderId: `bench-ord-${i}` },
    carrierClaim: { ...claim, claimId: `clm_bench_${i}`, warnAt, fileBy },
  };
}

function caseNumber(i: number): CaseRecord {
  if (isClaim(i)) return claimCase(i);
  const template = templates[i % templates.length] as CaseRecord;
  const marketplaceReturnId = `bench-ret-${i}`;
  // Deterministic spread: due ones up to three days overdue, the rest up to two days ahead.
  const offset = ((i * 7_919) % (72 * 60)) * 60_000;
  const dueAt = new Date(isDue(i) ? NOW_MS - offset - 1_000 : NOW_MS + 60_000 + (offset % (48 * HOUR))).toISOString();
  return {
    ...template,
    caseId: caseIdFor(MARKETPLACE, marketplaceReturnId),
    marketplaceReturnId,
    orderId: `bench-ord-${i}`,
    return: { ...template.return, marketplaceReturnId, orderId: `bench-ord-${i}` },
    escalationLevel: levels[Math.floor(i / dueEvery) % levels.length] as EscalationLevel,
    dueAt,
  };
}

async function seed(
  documents: DynamoDBDocumentClient,
): Promise<{ ms: number; bytes: number; dueCases: number; dueClaims: number; defaultResolutionsExpected: number }> {
  const started = performance.now();
  let next = 0;
  let bytes = 0;
  let dueCases = 0;
  let dueClaims = 0;
  let defaultResolutionsExpected = 0;
  async function writer(): Promise<void> {
    while (next < CASES) {
      const from = next;
      next = Math.min(CASES, next + 25);
      let requests = Array.from({ length: next - from }, (_, k) => {
        const record = caseNumber(from + k);
        if (isDueClaim(from + k)) dueClaims += 1;
        if (isDue(from + k)) {
          dueCases += 1;
          if (record.escalationLevel === 'MANAGER') defaultResolutionsExpected += 1;
        }
        const item = toCaseItem(record);
        bytes += itemSize(item);
        return { PutRequest: { Item: item } };
      });
      while (requests.length > 0) {
        const out = await documents.send(new BatchWriteCommand({ RequestItems: { [TABLE]: requests } }));
        requests = (out.UnprocessedItems?.[TABLE] ?? []) as typeof requests;
      }
    }
  }
  let lastReport = 0;
  const progress = setInterval(() => {
    if (next - lastReport < 10_000) return;
    log(`  seeded ${fmt(next)} / ${fmt(CASES)}`);
    lastReport = next;
  }, 2_000);
  try {
    await Promise.all(Array.from({ length: SEED_CONCURRENCY }, writer));
  } finally {
    clearInterval(progress);
  }
  return { ms: performance.now() - started, bytes, dueCases, dueClaims, defaultResolutionsExpected };
}

/* ------------------------------------------------------------------------------------------ */
/* Run                                                                                          */
/* ------------------------------------------------------------------------------------------ */

type Sweep = {
  result: EscalateStaleCasesResult;
  ms: number;
  indexItems: number;
  tableItems: number;
  requests: number;
  reportedReadUnits: number;
  billedReadUnits: number;
};

async function main(): Promise<void> {
  log(`escalation benchmark: ${fmt(CASES)} open cases, ${DUE_PERCENT}% due, limit ${LIMIT} per sweep, concurrency ${CONCURRENCY}`);
  const dynamodb = await startDynamoDbLocal({});
  const sqsEngine = await startSqsEngine({}).catch(async (error: unknown) => {
    await dynamodb.stop();
    throw error;
  });
  const dynamoClient = new DynamoDBClient({ endpoint: dynamodb.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  const sqsClient = new SQSClient({ endpoint: sqsEngine.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  try {
    await provisionTable(dynamoClient, TABLE);
    const queues = await provisionQueues(sqsClient, 'bench-');
    const documents = DynamoDBDocumentClient.from(dynamoClient, { marshallOptions: { removeUndefinedValues: true } });

    log('seeding (BatchWriteItem, toCaseItem mapping)…');
    const seeded = await seed(documents);
    log(
      `  ${fmt(CASES)} cases (${(seeded.bytes / 2 ** 20).toFixed(0)} MiB) in ${(seeded.ms / 1000).toFixed(1)} s; ${fmt(seeded.dueCases)} due`,
    );

    const caseItemBytes = itemSize(toCaseItem(caseNumber(0)));
    const setupMiB = Math.round(seeded.bytes / 2 ** 20);
    // What one due-index entry holds: the table and index keys plus the projected DueCase fields.
    const dueItem = toCaseItem(caseNumber(0));
    const indexEntryBytes = itemSize(indexEntryOf(openDeadlineIndex, dueItem) ?? {});
    const claimEntryBytes = itemSize(
      indexEntryOf(openDeadlineIndex, toCaseItem(claimCase(claimEvery > 0 ? Math.floor(claimEvery / 2) : 0))) ?? {},
    );

    let scan: { scannedItems: number; matched: number; ms: number; reportedReadUnits: number } | undefined;
    if (SCAN) {
      log('reference: Scan with a filter over the whole table (before the sweeps)…');
      const started = performance.now();
      let startKey: Record<string, unknown> | undefined;
      let scannedItems = 0;
      let matched = 0;
      let units = 0;
      do {
        const out = await documents.send(
          new ScanCommand({
            TableName: TABLE,
            Select: 'COUNT',
            FilterExpression: 'attribute_exists(#at) AND #at <= :now',
            ExpressionAttributeNames: { '#at': openDeadlineIndex.sortKey.name },
            ExpressionAttributeValues: { ':now': NOW },
            ExclusiveStartKey: startKey,
            ReturnConsumedCapacity: 'TOTAL',
          }),
        );
        scannedItems += out.ScannedCount ?? 0;
        matched += out.Count ?? 0;
        units += out.ConsumedCapacity?.CapacityUnits ?? 0;
        startKey = out.LastEvaluatedKey;
      } while (startKey !== undefined);
      scan = { scannedItems, matched, ms: performance.now() - started, reportedReadUnits: units };
      log(`  scanned ${fmt(scannedItems)} items for ${fmt(matched)} due in ${(scan.ms / 1000).toFixed(1)} s`);
    }

    const counting = countingDocumentClient(documents);
    const deps = {
      store: new DynamoDbCaseStore(counting.client, TABLE),
      dueCases: new DynamoDbDueCases(counting.client, TABLE),
      refunds: new SqsRefundQueue(sqsClient, queues.refundQueueUrl),
      policies: new StaticPolicyProvider(),
      clock: fixedClock(NOW),
    };

    const sweeps: Sweep[] = [];
    for (;;) {
      counting.reset();
      const started = performance.now();
      const invocationEnds = performance.now() + LAMBDA_TIMEOUT_MS;
      const result = await escalateStaleCases(deps, {
        limit: LIMIT,
        concurrency: CONCURRENCY,
        reserveMs: RESERVE_MS,
        remainingTimeMs: () => invocationEnds - performance.now(),
      });
      const ms = performance.now() - started;
      const { indexItems, tableItems, requests, readCapacityUnits } = counting.counts;
      // AWS billing, upper bound: each index page is eventually consistent (0.5 RCU per 4 KB,
      // at least 0.5); each case read is strongly consistent (1 RCU per 4 KB of the item).
      const indexQueries = requests - tableItems;
      const billed =
        indexQueries * 0.5 + Math.ceil((indexItems * indexEntryBytes) / 4096) * 0.5 + tableItems * Math.ceil(caseItemBytes / 4096);
      sweeps.push({ result, ms, indexItems, tableItems, requests, reportedReadUnits: readCapacityUnits, billedReadUnits: billed });
      const finished = result.found === 0 || sweeps.length > 2 * (2 + Math.ceil(seeded.dueCases / LIMIT));
      if (!finished && BACKLOG && sweeps.length % 20 !== 1) continue;
      log(
        `  sweep ${sweeps.length}: found ${result.found}, escalated ${result.escalated}, default resolutions ${result.defaultResolutions}, index items ${indexItems}, case reads ${tableItems}, ${ms.toFixed(0)} ms (${result.stoppedBy})`,
      );
      if (finished) break;
    }

    const working = sweeps.filter((s) => s.result.found > 0);
    const moved = working.reduce((n, s) => n + s.result.escalated + s.result.defaultResolutions, 0);
    const claimSteps = working.reduce((n, s) => n + s.result.claimWarnings + s.result.claimsExpired, 0);
    const claimsExpired = working.reduce((n, s) => n + s.result.claimsExpired, 0);
    const dueItems = seeded.dueCases + seeded.dueClaims;
    const indexItems = working.reduce((n, s) => n + s.indexItems, 0);
    const tableItems = working.reduce((n, s) => n + s.tableItems, 0);
    const sweepMs = working.reduce((n, s) => n + s.ms, 0);
    if (moved !== seeded.dueCases) throw new Error(`expected ${seeded.dueCases} cases moved, got ${moved}`);
    if (claimSteps !== seeded.dueClaims) throw new Error(`expected ${seeded.dueClaims} claims warned or expired, got ${claimSteps}`);
    const empty = sweeps.at(-1) as Sweep;

    const cpu = os.cpus()[0]?.model ?? 'unknown';
    const results = {
      benchmark: RESULTS_NAME,
      date: new Date().toISOString(),
      machine: {
        cpu,
        cores: os.cpus().length,
        node: process.version,
        platform: `${os.platform()} ${os.release()} ${os.arch()}`,
        memoryGiB: Math.round(os.totalmem() / 2 ** 30),
        loadAverage1m: +(os.loadavg()[0] ?? 0).toFixed(1),
      },
      setup: {
        cases: CASES,
        duePercent: DUE_PERCENT,
        dueCases: seeded.dueCases,
        claimsPercent: CLAIMS_PERCENT,
        dueClaims: seeded.dueClaims,
        defaultResolutionsExpected: seeded.defaultResolutionsExpected,
        limitPerSweep: LIMIT,
        concurrency: CONCURRENCY,
        seeding: {
          ms: Math.round(seeded.ms),
          itemsPerSecond: Math.round(CASES / (seeded.ms / 1000)),
          mebibytes: Math.round(seeded.bytes / 2 ** 20),
          method: 'BatchWriteItem with toCaseItem (case items only)',
        },
        caseItemBytes,
        indexEntryBytes,
      },
      sweeps: sweeps.map((s, i) => ({
        sweep: i + 1,
        found: s.result.found,
        escalated: s.result.escalated,
        defaultResolutions: s.result.defaultResolutions,
        claimWarnings: s.result.claimWarnings,
        claimsExpired: s.result.claimsExpired,
        skipped: s.result.skipped,
        failed: s.result.failed,
        stoppedBy: s.result.stoppedBy,
        indexItemsRead: s.indexItems,
        caseItemsRead: s.tableItems,
        readRequests: s.requests,
        ms: Math.round(s.ms),
        reportedReadUnits: s.reportedReadUnits,
        billedReadUnitsEstimate: s.billedReadUnits,
      })),
      totals: {
        casesMoved: moved,
        claimsWarned: claimSteps - claimsExpired,
        claimsExpired,
        indexItemsRead: indexItems,
        caseItemsRead: tableItems,
        // Per due item: a staff case past its deadline or a claim past its warning or filing date.
        indexItemsPerDueCase: +(indexItems / dueItems).toFixed(3),
        caseItemsPerDueCase: +(tableItems / dueItems).toFixed(3),
        itemsReadPerDueCase: +((indexItems + tableItems) / dueItems).toFixed(3),
        sweepMs: Math.round(sweepMs),
        msPerCaseMoved: +(sweepMs / (moved + claimSteps)).toFixed(2),
        emptySweep: { indexItemsRead: empty.indexItems, caseItemsRead: empty.tableItems, ms: Math.round(empty.ms) },
      },
      ...(scan === undefined ? {} : { referenceScan: { ...scan, ms: Math.round(scan.ms) } }),
    };

    const dir = join(dirname(fileURLToPath(import.meta.url)), 'results');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `${RESULTS_NAME}.json`), `${JSON.stringify(results, null, 2)}\n`);
    const t = results.totals;
    const md = BACKLOG
      ? backlogReport({ results, working, empty, seeded, caseItemBytes, setupMiB, cpu })
      : `## Escalation sweep benchmark

\`node bench/escalation.ts --cases ${CASES}\` on ${cpu} (${results.machine.cores} cores), Node ${process.version}, ${results.machine.platform}; DynamoDB Local (in memory) and fauxqs started by the benchmark; 1-minute load average at the end ${results.machine.loadAverage1m} (times on a shared machine vary a lot).
${fmt(CASES)} cases (case item ≈ ${fmt(caseItemBytes)} bytes): open ones waiting for staff, ${DUE_PERCENT}% past their deadline (${fmt(seeded.dueCases)}: 80% at AGENT, 10% SUPERVISOR, 10% MANAGER → ${fmt(seeded.defaultResolutionsExpected)} default-resolution refunds), and ${CLAIMS_PERCENT}% settled with a carrier claim still to file (#19), ${fmt(seeded.dueClaims)} of them due (${fmt(t.claimsWarned)} warned, ${fmt(t.claimsExpired)} past filing: expired, cost back to the seller). Per-run limit ${LIMIT}, concurrency ${CONCURRENCY}.
Seeding shortcut: case items bulk-written with BatchWriteItem through the store's own \`toCaseItem\` (real index attributes), no history items: ${fmt(CASES)} items (${fmt(setupMiB)} MiB) in ${(seeded.ms / 1000).toFixed(1)} s.

| sweep | found | escalated | default resolutions | index items read | case items read | ms | stopped by |
|---:|---:|---:|---:|---:|---:|---:|---|
${results.sweeps.map((s) => `| ${s.sweep} | ${fmt(s.found)} | ${fmt(s.escalated)} | ${fmt(s.defaultResolutions)} | ${fmt(s.indexItemsRead)} | ${fmt(s.caseItemsRead)} | ${fmt(s.ms)} | ${s.stoppedBy} |`).join('\n')}

- A sweep that fills its limit reports LIMIT even when nothing else is due (it cannot know without reading one entry more); the next sweep finds out.
- Items read per due case or claim: **${t.itemsReadPerDueCase}** (${t.indexItemsPerDueCase} index entries + ${t.caseItemsPerDueCase} case reads; goal ≤ 1.1: ${t.itemsReadPerDueCase <= 1.1 ? 'met' : 'not met'}). The due index projects what a step needs (a DueCase, ≈ ${fmt(indexEntryBytes)} bytes per entry; a claim's entry also carries the claim's event facts and the ledger its expiry rewrites, ≈ ${fmt(claimEntryBytes)} bytes), so the sweep plans from the entry and writes a conditional update without reading the ≈ ${fmt(caseItemBytes)}-byte case: a staff deadline as a patch, a claim on a settled case as the claim's fields and the ledger (CaseStore.patchClaim). A claim on a case still waiting for staff, and the rare whole-case steps (a default return and refund, a return not arrived), read the case.
- ${fmt(moved)} cases moved in ${(sweepMs / 1000).toFixed(1)} s of sweeping (${t.msPerCaseMoved} ms per case, ${CONCURRENCY} at a time, on DynamoDB Local); a sweep with nothing due read ${empty.indexItems + empty.tableItems} items in ${empty.ms.toFixed(0)} ms.
- Billed reads on AWS (estimated from item sizes, not DynamoDB Local's figures): ${results.sweeps[0]?.billedReadUnitsEstimate ?? 0} RCU for the first sweep (eventually consistent index pages, 0.5 RCU per 4 KB). The writes, not the reads, are now the cost of a sweep: each step rewrites the whole case item (UpdateItem is billed on the item's full size).
${scan === undefined ? `- Without the sparse index a sweep would Scan every item: ${fmt(CASES)} reads for ${fmt(seeded.dueCases)} due cases (${fmt(Math.round(CASES / seeded.dueCases))} per due case), ≈ ${fmt(Math.ceil((CASES * caseItemBytes) / 4096) * 0.5)} RCU per sweep on AWS (run with \`--scan\` to measure it; DynamoDB Local scans slowly).` : `- Reference, a Scan with a filter instead of the sparse index: ${fmt(scan.scannedItems)} items read for ${fmt(scan.matched)} due (${(scan.scannedItems / Math.max(1, scan.matched)).toFixed(0)} per due case) in ${(scan.ms / 1000).toFixed(1)} s here; on AWS that is ≈ ${fmt(Math.ceil((CASES * caseItemBytes) / 4096) * 0.5)} RCU per sweep.`}
`;
    writeFileSync(join(dir, `${RESULTS_NAME}.md`), md);
    log(`written bench/results/${RESULTS_NAME}.json and ${RESULTS_NAME}.md`);
  } finally {
    dynamoClient.destroy();
    sqsClient.destroy();
    await sqsEngine.stop();
    await dynamodb.stop();
    log(`stopped DynamoDB Local (pid ${dynamodb.pid}) and fauxqs`);
  }
}

/** The --backlog section: does a 100,000-case backlog drain over runs, each inside its invocation? */
function backlogReport(input: {
  results: {
    machine: { cores: number; platform: string; loadAverage1m: number };
    totals: { itemsReadPerDueCase: number; msPerCaseMoved: number };
  };
  working: Sweep[];
  empty: Sweep;
  seeded: { ms: number; dueCases: number; defaultResolutionsExpected: number };
  caseItemBytes: number;
  setupMiB: number;
  cpu: string;
}): string {
  const { results, working, seeded } = input;
  const ms = working.map((s) => s.ms).sort((a, b) => a - b);
  const pct = (p: number) => Math.round(ms[Math.min(ms.length - 1, Math.floor((p / 100) * ms.length))] ?? 0);
  const stopped = (reason: string) => working.filter((s) => s.result.stoppedBy === reason).length;
  const failed = working.reduce((n, s) => n + s.result.failed, 0);
  const skipped = working.reduce((n, s) => n + s.result.skipped, 0);
  const moved = working.reduce((n, s) => n + s.result.escalated + s.result.defaultResolutions, 0);
  const totalMs = working.reduce((n, s) => n + s.ms, 0);
  const row = (s: Sweep, i: number) =>
    `| ${i + 1} | ${fmt(s.result.found)} | ${fmt(s.result.escalated)} | ${fmt(s.result.defaultResolutions)} | ${fmt(s.indexItems + s.tableItems)} | ${fmt(Math.round(s.ms))} | ${s.result.stoppedBy} |`;
  const rows = working.map(row);
  const shown = rows.length <= 8 ? rows : [...rows.slice(0, 3), `| … | | | | | | |`, ...rows.slice(-3)];
  return `## Escalation backlog drain

\`node bench/escalation.ts --backlog --cases ${CASES}\` on ${input.cpu} (${results.machine.cores} cores), Node ${process.version}, ${results.machine.platform}; DynamoDB Local (in memory) and fauxqs started by the benchmark; 1-minute load average at the end ${results.machine.loadAverage1m}.
A backlog of ${fmt(seeded.dueCases)} due cases (case items as the store writes them, ≈ ${fmt(input.caseItemBytes)} bytes; ${fmt(input.setupMiB)} MiB seeded in ${(seeded.ms / 1000).toFixed(1)} s), 80% AGENT, 10% SUPERVISOR, 10% MANAGER (→ ${fmt(seeded.defaultResolutionsExpected)} default-resolution refunds). Each sweep is run as the deployed function would be: limit ${LIMIT}, concurrency ${CONCURRENCY}, a ${LAMBDA_TIMEOUT_MS / 1000} s invocation that starts no case in its last ${RESERVE_MS / 1000} s.

| sweep | found | escalated | default resolutions | items read | ms | stopped by |
|---:|---:|---:|---:|---:|---:|---|
${shown.join('\n')}

- Drained: **${moved === seeded.dueCases ? 'yes' : 'NO'}**, ${fmt(moved)} of ${fmt(seeded.dueCases)} cases moved one step each in ${working.length} sweeps (${stopped('LIMIT')} stopped at the limit, ${stopped('TIME_BUDGET')} by the time budget, ${stopped('DRAINED')} drained); then a sweep found nothing (${Math.round(input.empty.ms)} ms). ${failed} failed, ${skipped} skipped.
- Sweep time: median ${fmt(pct(50))} ms, p95 ${fmt(pct(95))} ms, max ${fmt(pct(100))} ms, against ${fmt(LAMBDA_TIMEOUT_MS - RESERVE_MS)} ms usable per invocation${pct(100) < (LAMBDA_TIMEOUT_MS - RESERVE_MS) / 2 ? ': every sweep used less than half of it' : stopped('TIME_BUDGET') > 0 ? ': the budget cut some sweeps short and the next run went on' : ''}. ${(totalMs / 60_000).toFixed(1)} min of sweeping in all (${results.totals.msPerCaseMoved} ms per case on DynamoDB Local).
- Items read per due case: ${results.totals.itemsReadPerDueCase}.
- On the deployed schedule (prod every 5 min, dev every 15 min) and at ${LIMIT} per run, such a backlog takes ${working.length} runs: about ${((working.length * 5) / 60).toFixed(1)} h in prod. \`ESCALATION_BATCH_LIMIT\` can be raised while the slowest sweep stays well inside the budget.
`;
}

await main();
