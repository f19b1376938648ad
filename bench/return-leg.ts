import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDbCaseStore } from '#lib/adapters/dynamodb-case-store.ts';
import { derivedCaseAttributes } from '#lib/adapters/dynamodb/table-schema.ts';
import { HttpPaymentProvider } from '#lib/adapters/http-payment-provider.ts';
import { StaticPolicyProvider } from '#lib/adapters/static-policy-provider.ts';
import { StaticWebhookSecrets } from '#lib/adapters/static-webhook-secrets.ts';
import type { RefundMessage } from '#lib/contract/refund-message.ts';
import { marketplacePolicies } from '#lib/decision/marketplace-policies.ts';
import { canonicalOnly } from '#lib/marketplaces/index.ts';
import { systemClock } from '#lib/ports/clock.ts';
import { applyRefund } from '#lib/use-cases/apply-refund.ts';
import { receiveWebhook } from '#lib/use-cases/receive-webhook.ts';
import { DEV_WEBHOOK_SECRETS } from '#local/dev-secrets.ts';
import { LOCAL_CREDENTIALS, LOCAL_REGION, startDynamoDbLocal } from '#local/engines.ts';
import { startPaymentSimulator } from '#local/payment-simulator.ts';
import { provisionTable } from '#local/provision.ts';
import { buildSamplePayload, DEFAULT_MARKETPLACE, signedRequest } from '#local/sample-webhook.ts';
import {
  type Billed,
  billedUnits,
  type Item,
  type Op,
  opsFromRecorded,
  type RecordedCall,
  sumIndex,
  type WriteAction,
} from './dynamodb-billing.ts';

/**
 * DynamoDB capacity of a full return-and-refund life per case (#15), against its design
 * minimum (goal ≤ 1.5×): intake (held) → return shipped (a carrier scan) → received and
 * inspected (AS_SENT: released) → the worker pays.
 *
 * Every case runs in-process through the real use cases and store on DynamoDB Local, every
 * DynamoDB call recorded by an SDK middleware and billed with the rules of
 * bench/dynamodb-billing.ts (as DynamoDB bills, not as DynamoDB Local reports).
 *
 * The minimum is what the design cannot do without, modelled from the same items: per
 * webhook one TransactWriteItems of the case + its history events + the delivery record
 * (idempotency), the request's also with the HELD-guard ConditionCheck; no pre-reads, no
 * outbox, no claim, no index; the worker one consistent GetItem of the case and one
 * TransactWriteItems of case + REFUND_APPLIED.
 *
 * `node bench/return-leg.ts [--cases 50]`
 */

const argv = process.argv.slice(2);
const CASES = Number(argv[argv.indexOf('--cases') + 1] ?? 50) || 50;
const TABLE = 'bench-return-leg';

type Life = { ops: Op[]; minimum: Op[]; calls: string[] };

const total = (bs: readonly Billed[]): Billed =>
  bs.reduce<Billed>(
    (a, b) => {
      const wcuIndex = { ...a.wcuIndex };
      for (const [k, v] of Object.entries(b.wcuIndex)) wcuIndex[k] = (wcuIndex[k] ?? 0) + v;
      return { rcu: a.rcu + b.rcu, wcuTable: a.wcuTable + b.wcuTable, wcuIndex };
    },
    { rcu: 0, wcuTable: 0, wcuIndex: {} },
  );

/** What the design needs of one recorded life: the conditional writes, without their surplus. */
function minimumOf(ops: readonly Op[]): Op[] {
  const bare = (item: Item | undefined): Item | undefined =>
    item === undefined
      ? undefined
      : Object.fromEntries(Object.entries(item).filter(([k]) => !(derivedCaseAttributes as readonly string[]).includes(k)));
  const minimum: Op[] = [];
  const transactions = ops.filter((op): op is Extract<Op, { kind: 'TransactWriteItems' }> => op.kind === 'TransactWriteItems');
  transactions.forEach((tx, i) => {
    // The worker's claim (REFUND_STARTED) is surplus: the minimum pays with one write.
    if (i === transactions.length - 2) return;
    const actions: WriteAction[] = [];
    for (const a of tx.actions) {
      const kind = String(a.after?.type ?? a.before?.type ?? '');
      if (kind === 'OUTBOX') continue;
      const before = bare(a.before);
      const after = bare(a.after);
      actions.push({
        label: a.label,
        ...(before === undefined ? {} : { before }),
        ...(after === undefined ? {} : { after }),
        ...(a.check ? { check: true as const } : {}),
      });
    }
    minimum.push({ kind: 'TransactWriteItems', label: tx.label, actions });
    if (i === transactions.length - 1) {
      const firstCase = tx.actions.find((a) => a.after?.type === 'CASE')?.before;
      minimum.splice(minimum.length - 1, 0, { kind: 'GetItem', label: 'worker: GetItem case', consistent: true, item: bare(firstCase) });
    }
  });
  return minimum;
}

async function main(): Promise<void> {
  const dynamodb = await startDynamoDbLocal({});
  const payments = await startPaymentSimulator({ host: '127.0.0.1' });
  try {
    const calls: RecordedCall[] = [];
    const client = new DynamoDBClient({ endpoint: dynamodb.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const out = await next(args);
        calls.push({
          command: String(context.commandName),
          input: structuredClone(args.input as Item),
          output: structuredClone(out.output as unknown as Item),
          consumed: [],
        });
        return out;
      },
      { step: 'initialize', name: 'benchRecordCalls' },
    );
    await provisionTable(client, TABLE);
    const store = new DynamoDbCaseStore(DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } }), TABLE);
    const queued: RefundMessage[] = [];
    const deps = {
      store,
      secrets: new StaticWebhookSecrets(DEV_WEBHOOK_SECRETS),
      policies: new StaticPolicyProvider(marketplacePolicies),
      refunds: { publish: async (m: RefundMessage) => void queued.push(m) },
      clock: systemClock,
      marketplaces: canonicalOnly,
    };
    const send = (body: object) => {
      const request = signedRequest({ baseUrl: 'http://127.0.0.1', body: JSON.stringify(body) });
      return receiveWebhook(deps, {
        marketplace: DEFAULT_MARKETPLACE,
        rawBody: request.body,
        signatureHeader: request.headers['x-signature'],
      });
    };
    const lives: Life[] = [];
    for (let i = 0; i < CASES; i++) {
      const from = calls.length;
      const request = buildSamplePayload();
      const returnId = request.return.marketplaceReturnId;
      const held = await send(request);
      if (held.status !== 'AWAITING_RETURN') throw new Error(`case ${held.caseId}: ${held.status}, not held`);
      const parcel = buildSamplePayload({ returnId, eventType: 'return.shipment' });
      if (parcel.eventType !== 'return.shipment') throw new Error('a shipment');
      const shipped = await send({ ...parcel, shipment: { ...parcel.shipment, receivedAt: undefined } });
      if (shipped.status !== 'AWAITING_RETURN') throw new Error(`case ${held.caseId}: ${shipped.status} after the first scan`);
      const inspected = await send({
        ...buildSamplePayload({ returnId, eventType: 'return.shipment' }),
        ...{ shipment: { ...parcel.shipment, inspection: { outcome: 'AS_SENT', inspectedAt: new Date().toISOString() } } },
      });
      const message = queued.shift();
      if (inspected.status !== 'REFUND_PENDING' || message === undefined) throw new Error(`case ${held.caseId}: not released`);
      const paid = await applyRefund(
        { store, payments: new HttpPaymentProvider({ baseUrl: payments.url }), clock: systemClock, policies: new StaticPolicyProvider() },
        message,
      );
      if (paid.outcome !== 'APPLIED') throw new Error(`case ${held.caseId}: ${paid.outcome}`);
      const mine = calls.slice(from);
      const ops = opsFromRecorded(mine, new Map());
      lives.push({ ops, minimum: minimumOf(ops), calls: mine.map((c) => c.command) });
    }
    const perCase = (pick: (l: Life) => Op[]) => {
      const t = total(lives.map((l) => total(pick(l).map(billedUnits))));
      return { rcu: t.rcu / lives.length, wcu: (t.wcuTable + sumIndex(t)) / lives.length };
    };
    const actual = perCase((l) => l.ops);
    const minimum = perCase((l) => l.minimum);
    // On-demand list prices: $1.25 per million write units, $0.25 per million read units.
    const price = (u: { rcu: number; wcu: number }) => u.wcu * 1.25 + u.rcu * 0.25;
    const first = lives[0] as Life;
    const byCall = first.ops.map((op, j) => {
      const b = billedUnits(op);
      return `| ${j + 1}. ${first.calls[j]} | ${b.rcu} | ${b.wcuTable} | ${sumIndex(b)} |`;
    });
    const ratio = (actual.wcu + actual.rcu) / (minimum.wcu + minimum.rcu);
    const results = {
      cases: lives.length,
      actual,
      minimum,
      writeRatio: actual.wcu / minimum.wcu,
      costRatio: price(actual) / price(minimum),
      unitsRatio: ratio,
      calls: first.calls,
    };
    const dir = join(dirname(fileURLToPath(import.meta.url)), 'results');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'return-leg.json'), `${JSON.stringify(results, null, 2)}\n`);
    const md = `## DynamoDB capacity of a full return-and-refund life

\`node bench/return-leg.ts --cases ${CASES}\`: ${lives.length} cases in-process through the real use cases and store on DynamoDB Local, every DynamoDB call recorded and billed as DynamoDB bills (bench/dynamodb-billing.ts). The life: \`return.requested\` (refund held) → \`return.shipment\` with a carrier scan → \`return.shipment\` received and inspected AS_SENT (released, published) → the worker pays.

| call (first case) | RCU | WCU table | WCU indexes |
|---|---:|---:|---:|
${byCall.join('\n')}

- Per case: **${actual.wcu.toFixed(1)} WCU + ${actual.rcu.toFixed(1)} RCU** against a design minimum of **${minimum.wcu.toFixed(1)} WCU + ${minimum.rcu.toFixed(1)} RCU**: ${(actual.wcu / minimum.wcu).toFixed(2)}× the writes, ${(price(actual) / price(minimum)).toFixed(2)}× the on-demand cost (goal ≤ 1.5×).
- Minimum: per webhook one TransactWriteItems of the case + its history events + the delivery record (the request's with the HELD-guard check); the worker one consistent GetItem + one TransactWriteItems of case + REFUND_APPLIED; no pre-reads, no outbox, no claim, no index attributes.
- The intake section measures a refund paid at decision: since #15 the sample return and refund is held for the goods, so bench/intake.ts sends it priced under the returnless limit (the same events as before).
- Surplus: three pre-reads per webhook (delivery, case, held events on the request), the outbox record put and deleted, the claim transaction, index upkeep (bySellerDue on every case write; byOpenDeadline while the return window watches the case).
`;
    writeFileSync(join(dir, 'return-leg.md'), md);
    process.stdout.write(md);
  } finally {
    await payments.stop();
    await dynamodb.stop();
  }
}

await main();
