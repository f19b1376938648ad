import { parseArgs } from 'node:util';

/**
 * `npm run reconcile -- [--from ISO] [--to ISO] [--hours N] [--dry-run] [--local]`: the refund
 * reconciliation (functions/lib/use-cases/reconcile-refunds.ts) by hand, over a window (default:
 * the last 24 hours): each refund the case store records as paid against each provider's own
 * record. Prints every mismatch (ids and amounts, no personal data); exits 1 when there is one,
 * 2 on bad arguments. Without --dry-run each mismatch is also written to its case's history,
 * as the scheduled job does.
 *
 * Reads its settings from the environment like the function (TABLE_NAME, STRIPE_SECRET_ARN,
 * AWS credentials and region). `--local` points it at `npm start`'s engines and Stripe
 * stand-in on their default ports instead.
 */

const LOCAL_ENV = {
  TABLE_NAME: 'dispute-desk-local',
  DYNAMODB_ENDPOINT: 'http://127.0.0.1:8000',
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'local',
  AWS_SECRET_ACCESS_KEY: 'local',
  STRIPE_API_KEY: 'sk_test_dispute_desk_dev_standin',
  STRIPE_API_URL: 'http://127.0.0.1:4013',
} as const;

const usage = 'usage: npm run reconcile -- [--from <ISO time>] [--to <ISO time>] [--hours <1-744>] [--dry-run] [--local]';

export function parseReconcileArgs(
  argv: readonly string[],
  now = new Date(),
): { from: string; to: string; dryRun: boolean; local: boolean } {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      from: { type: 'string' },
      to: { type: 'string' },
      hours: { type: 'string' },
      'dry-run': { type: 'boolean' },
      local: { type: 'boolean' },
    },
    strict: true,
  });
  const instant = (name: string, value: string | undefined, fallback: Date): Date => {
    if (value === undefined) return fallback;
    const ms = Date.parse(value);
    if (Number.isNaN(ms) || !/^\d{4}-\d{2}-\d{2}T/.test(value)) throw new Error(`--${name} '${value}' is not an ISO 8601 time`);
    return new Date(ms);
  };
  const hours = values.hours === undefined ? 24 : Number(values.hours);
  if (!Number.isInteger(hours) || hours < 1 || hours > 744)
    throw new Error(`--hours '${values.hours}' must be a whole number from 1 to 744`);
  const to = instant('to', values.to, now);
  const from = instant('from', values.from, new Date(to.getTime() - hours * 3_600_000));
  if (!(from < to)) throw new Error('--from must be before --to');
  return { from: from.toISOString(), to: to.toISOString(), dryRun: values['dry-run'] === true, local: values.local === true };
}

async function main(): Promise<number> {
  let args: ReturnType<typeof parseReconcileArgs>;
  try {
    args = parseReconcileArgs(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${usage}\n`);
    return 2;
  }
  if (args.local) Object.assign(process.env, LOCAL_ENV);
  // After the environment is set: the wiring reads it when first called.
  const { systemClock } = await import('#lib/ports/clock.ts');
  const { reconcileRefunds } = await import('#lib/use-cases/reconcile-refunds.ts');
  const { caseStore } = await import('#lib/wiring/case-store.ts');
  const { paidRefunds, refundLedgers } = await import('#lib/wiring/reconciliation.ts');
  const ledgers = refundLedgers();
  process.stdout.write(
    `reconciling ${args.from} to ${args.to} with ${ledgers.map((l) => l.provider).join(', ') || 'no provider that lists its refunds'}${args.dryRun ? ' (dry run: nothing written)' : ''}\n`,
  );
  const result = await reconcileRefunds(
    { store: caseStore(), paid: paidRefunds(), ledgers, clock: systemClock },
    { from: args.from, to: args.to, dryRun: args.dryRun },
  );
  for (const m of result.mismatches) {
    process.stdout.write(
      `${m.kind} ${m.provider} case=${m.caseId ?? '-'} refund=${m.refundId ?? '-'} ${m.detail} [${m.references.join(' ')}]\n`,
    );
  }
  process.stdout.write(
    `${result.recorded} refunds recorded as paid, ${result.providerRefunds} in the providers' records, ${result.mismatches.length} mismatches, ${result.flagged} written to case histories\n`,
  );
  return result.mismatches.length === 0 ? 0 : 1;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`reconcile failed: ${(error as Error).message}\n`);
      process.exitCode = 1;
    },
  );
}
