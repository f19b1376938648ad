/**
 * `npm run backtest -- --policy <file> [--table <name>] [--endpoint <url> | --region <region>]
 *  [--sample <n>] [--json]`
 *
 * Replays the stored facts of past cases under a candidate policy file and reports what would
 * change (ops/backtest/backtest.ts). Read-only (Scan only). By default it reads the local
 * table of `npm start` (dispute-desk-local on DynamoDB Local at http://localhost:8000); with
 * --region (and no --endpoint) it reads that AWS table through the default credential chain.
 */
import { readFileSync } from 'node:fs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { StaticPolicyProvider } from '#lib/adapters/static-policy-provider.ts';
import { marketplacePolicies, sellerPolicyOverrides } from '#lib/decision/marketplace-policies.ts';
import { InvalidPolicyError, defaultPolicy, parsePolicy } from '#lib/decision/policy.ts';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '#local/engines.ts';
import { backtest, backtestText, candidateProvider, scanCases } from './backtest/backtest.ts';

const ArgsSchema = z.strictObject({
  policy: z.string().min(1),
  table: z.string().min(3).max(255).default('dispute-desk-local'),
  endpoint: z.url().optional(),
  region: z.string().min(1).max(64).optional(),
  sample: z.coerce.number().int().min(0).max(100).default(5),
  json: z.boolean().default(false),
});

function parseArgs(argv: readonly string[]): z.infer<typeof ArgsSchema> {
  const raw: Record<string, unknown> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    if (!a.startsWith('--')) throw new Error(`unexpected argument ${a}`);
    const key = a.slice(2);
    if (key === 'json') raw.json = true;
    else raw[key] = argv[++i];
  }
  const parsed = ArgsSchema.safeParse(raw);
  if (!parsed.success) throw new Error(z.prettifyError(parsed.error));
  return parsed.data;
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  let candidatePolicy: ReturnType<typeof parsePolicy>;
  try {
    candidatePolicy = parsePolicy(JSON.parse(readFileSync(args.policy, 'utf8')));
  } catch (err) {
    process.stderr.write(`${err instanceof InvalidPolicyError ? err.message : `cannot read ${args.policy}: ${String(err)}`}\n`);
    return 2;
  }
  const aws = args.endpoint === undefined && args.region !== undefined;
  const client = DynamoDBDocumentClient.from(
    aws
      ? new DynamoDBClient({ region: args.region })
      : new DynamoDBClient({
          endpoint: args.endpoint ?? `http://localhost:${process.env.DYNAMODB_PORT ?? '8000'}`,
          region: args.region ?? LOCAL_REGION,
          credentials: LOCAL_CREDENTIALS,
        }),
  );
  const report = await backtest(scanCases(client, args.table), {
    current: new StaticPolicyProvider(marketplacePolicies, defaultPolicy, sellerPolicyOverrides),
    candidate: candidateProvider(candidatePolicy, marketplacePolicies, sellerPolicyOverrides),
    candidatePolicy,
    sampleSize: args.sample,
  });
  process.stdout.write(`${args.json ? JSON.stringify(report, null, 2) : backtestText(report)}\n`);
  client.destroy();
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`backtest failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
