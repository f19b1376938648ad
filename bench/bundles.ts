/**
 * Bundle benchmark: `node bench/bundles.ts [--runs N] [--rounds R] [--baseline <git ref>]`.
 *
 * Steps:
 * 1. Bundle every Lambda entry (the manifest's `entryOf`: `functions/<name>/index.ts`, or the shared staff command entry with its `define`) with esbuild and exactly the
 *    options the CDK function construct gives NodejsFunction (infra/constructs/dispute-function.ts):
 *    minified ESM for node24, AWS SDK bundled, the createRequire banner, http taken as CommonJS (infra/bundling.ts), external source map.
 *    With `--baseline`, also bundle the entries of that commit (its functions/, infra/ and
 *    package.json, extracted with `git archive`, on this checkout's node_modules), so before
 *    and after are timed in the same session against the same floor.
 * 2. Bundle a floor the same way: an entry that only constructs the DynamoDB client (plus the
 *    document client) and the SQS client, i.e. what any function of this design must load;
 *    and a few probes, each the floor plus one part every function carries (zod validating one
 *    configuration object, the same check on zod/mini, the Powertools logger in a middy chain),
 *    so what a part costs at init is measured, not guessed.
 * 3. Report each bundle's size (bytes and gzip), what it adds to the floor by part (zod,
 *    Powertools, middy, own code, AWS SDK and the rest; esbuild metafile), and its biggest packages.
 * 4. Cold-start module init: import each bundled handler in a fresh Node process (the same
 *    Node major as Lambda), timing `await import()` inside it; `--rounds` rounds (default 3) of
 *    `--runs` processes per bundle (default 15, at least 10), interleaved across bundles so
 *    background load hits all alike. The min ratio to the floor is taken per round (the
 *    fastest run is the least disturbed) and reported as the median over rounds; the median
 *    ratio pools every run. Each process gets dummy values for the configuration the function
 *    validates at load; a function that still fails to load is reported with its error, not left out.
 * 5. Write bench/results/bundles.json and bench/results/bundles.md; remove the temp folder.
 *
 * Timings are never asserted anywhere; this is a measuring tool.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build, type Metafile, version as esbuildVersion } from 'esbuild';
import { builtinAliases, ESM_REQUIRE_BANNER } from '../infra/bundling.ts';

const root = dirname(dirname(fileURLToPath(import.meta.url)));

function argInt(name: string, fallback: number, min = 1): number {
  const i = process.argv.indexOf(name);
  if (i === -1) return fallback;
  const n = Number(process.argv[i + 1]);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name} needs an integer ≥ ${min}`);
  return n;
}

function argString(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  if (i === -1) return undefined;
  const value = process.argv[i + 1];
  if (value === undefined || value.startsWith('--')) throw new Error(`${name} needs a value`);
  return value;
}

const RUNS = argInt('--runs', 15, 10);
const ROUNDS = argInt('--rounds', 3, 1);
const BASELINE = argString('--baseline');
/** Goals of issue #14 item 4, per function against the floor. */
const GOALS = { size: 1.3, init: 1.2 } as const;
/** One process that takes longer than this has hung; it is killed and reported. */
const IMPORT_TIMEOUT_MS = 30_000;
const FLOOR = 'floor (DynamoDB + SQS clients only)';

/* ------------------------------------------------------------------------------------------ */
/* Bundling                                                                                     */
/* ------------------------------------------------------------------------------------------ */

/** The construct's bundling options, translated to esbuild's API (CDK passes the same flags to its CLI). */
const cdkBundling = {
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node24',
  minify: true,
  sourcemap: 'external',
  sourcesContent: false,
  mainFields: ['module', 'main'],
  external: [] as string[],
  banner: { js: ESM_REQUIRE_BANNER },
  // This checkout's shim for every bundle, the floor and a baseline's too: the same bundling for all.
  alias: { ...builtinAliases(root) },
  logLevel: 'warning',
} as const;

/** What the floor must load: the clients every function of this design constructs. */
const floorSource = `
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
const region = process.env.AWS_REGION;
const dynamo = DynamoDBDocumentClient.from(new DynamoDBClient({ region }), { marshallOptions: { removeUndefinedValues: true } });
const sqs = new SQSClient({ region });
export const handler = async () => ({ dynamo: typeof dynamo.send, sqs: typeof sqs.send });
`;

/** What every function must load since #20: the floor's clients, captured by Powertools Tracer. */
const tracedFloorSource = `
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { Tracer } from '@aws-lambda-powertools/tracer';
const tracer = new Tracer({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'dispute-desk' });
const region = process.env.AWS_REGION;
const dynamo = DynamoDBDocumentClient.from(tracer.captureAWSv3Client(new DynamoDBClient({ region })), { marshallOptions: { removeUndefinedValues: true } });
const sqs = tracer.captureAWSv3Client(new SQSClient({ region }));
export const handler = async () => ({ dynamo: typeof dynamo.send, sqs: typeof sqs.send });
`;

/**
 * The floor plus one part every function carries, to measure what that part costs at init.
 * The configuration check is the shape of the wiring's (functions/lib/wiring/dynamodb.ts and
 * refund-queue.ts) over the same dummy environment the functions get.
 */
const probeSources: readonly { name: string; part: string; source: string }[] = [
  {
    name: 'floor + zod: one configuration check',
    part: "zod (`import * as z from 'zod'`) building and parsing one configuration object",
    source: `${floorSource}
import * as z from 'zod';
export const config = z.object({ AWS_REGION: z.string().min(1).default('us-east-1'), DYNAMODB_ENDPOINT: z.url().optional(), SQS_ENDPOINT: z.url().optional(), TABLE_NAME: z.string().min(3).max(255), REFUND_QUEUE_URL: z.url() }).parse(process.env);
`,
  },
  {
    name: 'floor + zod/mini: the same check',
    part: 'the same check written for zod/mini, with the English messages zod loads by default',
    source: `${floorSource}
import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';
z.config(en());
export const config = z.object({ AWS_REGION: z._default(z.string().check(z.minLength(1)), 'us-east-1'), DYNAMODB_ENDPOINT: z.optional(z.url()), SQS_ENDPOINT: z.optional(z.url()), TABLE_NAME: z.string().check(z.minLength(3), z.maxLength(255)), REFUND_QUEUE_URL: z.url() }).parse(process.env);
`,
  },
  {
    name: 'floor + Powertools logger in a middy chain',
    part: 'the Powertools logger and a middy handler with injectLambdaContext, as every function has',
    source: `${floorSource}
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'dispute-desk' });
export const chained = middy().use(injectLambdaContext(logger, { resetKeys: true })).handler(async () => ({}));
`,
  },
  {
    name: 'floor + Tracer capturing the two clients',
    part: 'Powertools Tracer (and the X-Ray SDK under it) capturing the DynamoDB and SQS clients, as the wiring does (functions/lib/tracing.ts)',
    source: tracedFloorSource,
  },
  {
    name: 'floor + Tracer + what paying through Stripe needs',
    part: 'the tracer probe plus the official Stripe SDK (#16) and the Secrets Manager client its key is read with, as apply-refund and reconcile-refunds load them',
    source: `${tracedFloorSource}
import Stripe from 'stripe';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
const secrets = tracer.captureAWSv3Client(new SecretsManagerClient({ region }));
export const provider = (key) => new Stripe(key, { maxNetworkRetries: 0, telemetry: false });
export const secretsClient = typeof secrets.send;
`,
  },
];

type Bundle = {
  name: string;
  entry: string;
  file: string;
  bytes: number;
  gzipBytes: number;
  sourceMapBytes: number;
  /** Biggest contributors to the output, by package (own code counted as one). */
  topPackages: { package: string; bytes: number }[];
  /** Output bytes by package, for the breakdown against the floor. */
  byPackage: Map<string, number>;
  /** Bytes of zod's translated error messages (zod/v4/locales) in the output. */
  zodLocalesBytes: number;
};

const OWN_CODE = 'own code (functions/, infra/definitions.ts)';

function packageOf(input: string): string {
  const parts = input.split(/[\\/]/);
  const at = parts.lastIndexOf('node_modules');
  if (at === -1)
    return input.startsWith('functions') || input.startsWith('infra')
      ? OWN_CODE
      : input.startsWith('<stdin>')
        ? '(generated entry)'
        : (parts[0] ?? input);
  const first = parts[at + 1] ?? '?';
  return first.startsWith('@') ? `${first}/${parts[at + 2] ?? '?'}` : first;
}

/** The parts a bundle is reported in; everything not named is the AWS SDK and its helpers. */
const parts = ['zod', 'Powertools', 'middy', 'own code', 'AWS SDK and the rest'] as const;
type Part = (typeof parts)[number];

function partOf(pkg: string): Part {
  if (pkg === 'zod') return 'zod';
  if (pkg.startsWith('@aws-lambda-powertools/')) return 'Powertools';
  if (pkg.startsWith('@middy/')) return 'middy';
  if (pkg === OWN_CODE || pkg === '(generated entry)') return 'own code';
  return 'AWS SDK and the rest';
}

/** The bundle's own output (not its source map) and what each input put into it. */
function outputInputs(meta: Metafile): [string, number][] {
  const output = Object.entries(meta.outputs).find(([file]) => file.endsWith('.mjs'))?.[1];
  return Object.entries(output?.inputs ?? {}).map(([input, { bytesInOutput }]) => [input, bytesInOutput]);
}

function packageBytes(inputs: [string, number][]): Map<string, number> {
  const byPackage = new Map<string, number>();
  for (const [input, bytes] of inputs) byPackage.set(packageOf(input), (byPackage.get(packageOf(input)) ?? 0) + bytes);
  return byPackage;
}

/** Bytes a bundle has beyond the floor, by part: each package's bytes minus the floor's bytes of it. */
function addedToFloor(b: Bundle, floor: Bundle): Record<Part, number> {
  const added = Object.fromEntries(parts.map((p) => [p, 0])) as Record<Part, number>;
  for (const pkg of new Set([...b.byPackage.keys(), ...floor.byPackage.keys()])) {
    added[partOf(pkg)] += (b.byPackage.get(pkg) ?? 0) - (floor.byPackage.get(pkg) ?? 0);
  }
  return added;
}

const zodLocales = (inputs: [string, number][]) =>
  inputs.filter(([i]) => /node_modules[\\/]zod[\\/].*locales/.test(i)).reduce((sum, [, b]) => sum + b, 0);

/** Bundles one entry file, or generated source, as the construct would, from `workingDir` (this checkout or the baseline's). */
async function bundle(
  name: string,
  outDir: string,
  entry: { file: string; define?: Readonly<Record<string, string>> } | { stdin: string },
  workingDir = root,
): Promise<Bundle> {
  const outfile = join(outDir, name.replace(/[^a-z0-9-]+/gi, '-'), 'index.mjs');
  mkdirSync(dirname(outfile), { recursive: true });
  const result = await build({
    ...cdkBundling,
    mainFields: [...cdkBundling.mainFields],
    external: [...cdkBundling.external],
    absWorkingDir: workingDir,
    outfile,
    metafile: true,
    ...('file' in entry
      ? { entryPoints: [entry.file], define: { ...entry.define } }
      : { stdin: { contents: entry.stdin, resolveDir: workingDir, sourcefile: 'generated-entry.ts', loader: 'ts' } }),
  });
  const code = readFileSync(outfile);
  const inputs = outputInputs(result.metafile);
  const byPackage = packageBytes(inputs);
  return {
    name,
    entry: 'file' in entry ? relative(workingDir, entry.file) : '(generated entry)',
    file: outfile,
    bytes: code.length,
    gzipBytes: gzipSync(code).length,
    sourceMapBytes: existsSync(`${outfile}.map`) ? statSync(`${outfile}.map`).size : 0,
    topPackages: [...byPackage]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 6)
      .map(([pkg, bytes]) => ({ package: pkg, bytes })),
    byPackage,
    zodLocalesBytes: zodLocales(inputs),
  };
}

/**
 * The baseline's sources (functions/, infra/, package.json, tsconfig.json at `ref`) in a temp
 * folder whose node_modules is this checkout's, so only our code differs between the two.
 */
function extractBaseline(ref: string, tempDir: string): { dir: string; commit: string } {
  const git = (args: string[], options: { input?: Buffer } = {}) => {
    const out = spawnSync('git', args, { cwd: root, maxBuffer: 512 * 2 ** 20, ...options });
    if (out.status !== 0) throw new Error(`git ${args.join(' ')}: ${out.stderr.toString().trim()}`);
    return out.stdout;
  };
  const commit = git(['rev-parse', '--verify', `${ref}^{commit}`])
    .toString()
    .trim();
  const dir = join(tempDir, 'baseline');
  mkdirSync(dir, { recursive: true });
  const archive = git(['archive', '--format=tar', commit, 'functions', 'infra', 'package.json', 'tsconfig.json']);
  const untar = spawnSync('tar', ['-x', '-C', dir], { input: archive });
  if (untar.status !== 0) throw new Error(`tar: ${untar.stderr.toString().trim()}`);
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir');
  return { dir, commit };
}

type Entry = { name: string; file: string; define: Readonly<Record<string, string>> };

/**
 * Every function of a checkout and its entry as the construct bundles it: from its manifest's
 * `entryOf` (staff writes share one entry, told their command by esbuild's define), or, for a
 * baseline from before that, every `functions/<name>/index.ts`.
 */
async function entriesOf(dir: string): Promise<Entry[]> {
  const manifest = (await import(pathToFileURL(join(dir, 'functions', 'manifest.ts')).href)) as {
    functionManifest?: readonly { name: string }[];
    entryOf?: (spec: { name: string }) => { path: string; define: Readonly<Record<string, string>> };
  };
  const { functionManifest, entryOf } = manifest;
  if (functionManifest !== undefined && entryOf !== undefined) {
    return functionManifest
      .map((spec) => {
        const entry = entryOf(spec);
        return { name: spec.name, file: join(dir, entry.path), define: entry.define };
      })
      .sort((a, b) => a.name.localeCompare(b.name));
  }
  return readdirSync(join(dir, 'functions'), { withFileTypes: true })
    .filter((d) => d.isDirectory() && d.name !== 'lib' && existsSync(join(dir, 'functions', d.name, 'index.ts')))
    .map((d) => ({ name: d.name, file: join(dir, 'functions', d.name, 'index.ts'), define: {} }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * How the zod import style decides what esbuild can drop: one small schema bundled with
 * `import { z } from 'zod'` and with `import * as z from 'zod'` (the style classic-zod code here uses).
 */
async function zodImportProbe(outDir: string): Promise<{ style: string; bytes: number; zodLocalesBytes: number }[]> {
  const body = 'export const handler = async (e) => z.object({ id: z.string().min(1), n: z.int().positive() }).parse(e);';
  const probes = [
    { style: "import { z } from 'zod'", source: `import { z } from 'zod';\n${body}` },
    { style: "import * as z from 'zod'", source: `import * as z from 'zod';\n${body}` },
  ];
  const out: { style: string; bytes: number; zodLocalesBytes: number }[] = [];
  for (const [i, p] of probes.entries()) {
    const b = await bundle(`zod-probe-${i}`, outDir, { stdin: p.source });
    out.push({ style: p.style, bytes: b.bytes, zodLocalesBytes: b.zodLocalesBytes });
  }
  return out;
}

/* ------------------------------------------------------------------------------------------ */
/* Cold-start import timing                                                                     */
/* ------------------------------------------------------------------------------------------ */

/**
 * Dummy values for everything functions/lib/wiring/* validates at module load, plus what
 * the CDK construct and Lambda set. The AWS variant of each "exactly one of" setting is
 * used (webhook secrets as Secrets Manager ARNs, staff from a Cognito user pool), so each
 * function builds the clients it builds in AWS; nothing is called at load, so no value is
 * ever used. Nothing from the developer's shell leaks in. A function that needs a setting
 * not listed here fails to load and is reported with the setting's name.
 */
function lambdaLikeEnvironment(functionName: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    LANG: 'C.UTF-8',
    TZ: 'UTC',
    AWS_REGION: 'eu-central-1',
    AWS_DEFAULT_REGION: 'eu-central-1',
    AWS_ACCESS_KEY_ID: 'AKIABENCHDUMMY000000',
    AWS_SECRET_ACCESS_KEY: 'bench-dummy-secret-access-key-0000000000',
    AWS_SESSION_TOKEN: 'bench-dummy-session-token',
    AWS_LAMBDA_FUNCTION_NAME: functionName,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '256',
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    // As in Lambda: Powertools Tracer switches itself on only when it sees the execution
    // environment, and then instruments http/https/fetch and the captured clients at init.
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
    POWERTOOLS_TRACE_ENABLED: 'true',
    POWERTOOLS_SERVICE_NAME: 'dispute-desk',
    POWERTOOLS_LOG_LEVEL: 'INFO',
    POWERTOOLS_METRICS_NAMESPACE: 'DisputeDesk',
    TABLE_NAME: 'DisputeDesk-bench-Cases',
    WEBHOOK_SECRET_ARNS: JSON.stringify({
      'demo-market': 'arn:aws:secretsmanager:eu-central-1:123456789012:secret:dispute-desk/webhook/demo-market-AbCdEf',
    }),
    REFUND_QUEUE_URL: 'https://sqs.eu-central-1.amazonaws.com/123456789012/DisputeDesk-bench-refunds.fifo',
    PAYMENT_PROVIDER_URL: 'https://payments.example.invalid',
    CURSOR_SIGNING_KEY: 'bench-dummy-cursor-signing-key-0123456789abcdef',
    STAFF_USER_POOL_ID: 'eu-central-1_BenchPool1',
    SHOPIFY_SHOPS: JSON.stringify({ 'bench-shop.myshopify.com': 'SELLER-42' }),
    NOTIFICATION_QUEUE_URL: 'https://sqs.eu-central-1.amazonaws.com/123456789012/DisputeDesk-bench-notifications.fifo',
    NOTIFICATION_CHANNELS: JSON.stringify({ 'demo-market': { kind: 'webhook', url: 'https://marketplace.example.invalid/hooks' } }),
    NOTIFICATION_SIGNING_SECRETS_ARN: 'arn:aws:secretsmanager:eu-central-1:123456789012:secret:dispute-desk/notification-signing-AbCdEf',
  };
}

/** Runs inside the fresh process: only the import is inside the timed region. */
const importScript = `
const before = performance.now();
await import(process.argv[1]);
const after = performance.now();
process.stdout.write(JSON.stringify({ importMs: after - before, bootMs: before }));
`;

type ImportSample = { importMs: number; bootMs: number; processMs: number };
type ImportFailure = { error: string };

function importOnce(bundleFile: string, functionName: string): ImportSample | ImportFailure {
  const started = process.hrtime.bigint();
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', importScript, pathToFileURL(bundleFile).href], {
    env: lambdaLikeEnvironment(functionName),
    encoding: 'utf8',
    timeout: IMPORT_TIMEOUT_MS,
    killSignal: 'SIGKILL',
  });
  const processMs = Number(process.hrtime.bigint() - started) / 1e6;
  if (run.error !== undefined) return { error: `${run.error.name}: ${run.error.message}` };
  if (run.status !== 0) {
    // The thrown error's own line ("ConfigurationError: Invalid configuration: …"), not the
    // minified source line Node prints above it.
    const lines = `${run.stderr}`.split('\n').filter((l) => /^\s*[A-Za-z]*Error(\s\[[A-Z_]+\])?: /.test(l));
    return { error: (lines[0] ?? `${run.stderr}`.trim().split('\n')[0] ?? `exit ${run.status}`).slice(0, 400) };
  }
  try {
    const parsed = JSON.parse(run.stdout.trim().split('\n').at(-1) ?? '') as { importMs: number; bootMs: number };
    return { importMs: parsed.importMs, bootMs: parsed.bootMs, processMs };
  } catch {
    return { error: `unexpected output: ${run.stdout.slice(0, 200)}` };
  }
}

function percentile(xs: readonly number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))] as number;
}

const round1 = (n: number) => Math.round(n * 10) / 10;
const round2 = (n: number) => Math.round(n * 100) / 100;

/* ------------------------------------------------------------------------------------------ */
/* Main                                                                                         */
/* ------------------------------------------------------------------------------------------ */

type Kind = 'floor' | 'probe' | 'function' | 'baseline';
type Target = { bundle: Bundle; kind: Kind; functionName: string; part?: string };
type TimedSample = ImportSample & { round: number };

function initStats(samples: readonly TimedSample[]) {
  const importMs = samples.map((x) => x.importMs);
  const roundMins = [...new Set(samples.map((x) => x.round))]
    .sort((a, b) => a - b)
    .map((r) => Math.min(...samples.filter((x) => x.round === r).map((x) => x.importMs)));
  return {
    runs: samples.length,
    medianMs: round1(percentile(importMs, 0.5)),
    p90Ms: round1(percentile(importMs, 0.9)),
    minMs: round1(Math.min(...importMs)),
    maxMs: round1(Math.max(...importMs)),
    roundMinMs: roundMins.map(round1),
    processMedianMs: round1(
      percentile(
        samples.map((x) => x.processMs),
        0.5,
      ),
    ),
    nodeBootMedianMs: round1(
      percentile(
        samples.map((x) => x.bootMs),
        0.5,
      ),
    ),
  };
}

async function main(): Promise<void> {
  const tempDir = mkdtempSync(join(os.tmpdir(), 'dispute-desk-bundles-'));
  const cleanUp = () => rmSync(tempDir, { recursive: true, force: true });
  const onSignal = (signal: NodeJS.Signals) => {
    cleanUp();
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    const functionNames = (await entriesOf(root)).map((e) => e.name);
    const baseline = BASELINE === undefined ? undefined : extractBaseline(BASELINE, tempDir);
    const baselineLabel =
      baseline === undefined ? '' : baseline.commit.startsWith(BASELINE ?? '') ? BASELINE : `${BASELINE} (${baseline.commit.slice(0, 7)})`;
    console.log(
      `bundling ${functionNames.length} functions${baseline === undefined ? '' : ` (and those of ${baselineLabel})`}, the floor and ${probeSources.length} probes with esbuild ${esbuildVersion}...`,
    );

    const targets: Target[] = [{ bundle: await bundle(FLOOR, tempDir, { stdin: floorSource }), kind: 'floor', functionName: 'floor' }];
    for (const probe of probeSources)
      targets.push({
        bundle: await bundle(probe.name, tempDir, { stdin: probe.source }),
        kind: 'probe',
        functionName: 'probe',
        part: probe.part,
      });
    const zodProbe = await zodImportProbe(tempDir);
    const bundleErrors: Record<string, string> = {};
    const addFunctions = async (kind: 'function' | 'baseline', dir: string) => {
      for (const { name, file, define } of await entriesOf(dir)) {
        const label = kind === 'function' ? name : `${name} @ ${BASELINE}`;
        try {
          targets.push({
            bundle: await bundle(label, join(tempDir, `out-${kind}`), { file, define }, dir),
            kind,
            functionName: name,
          });
        } catch (error) {
          bundleErrors[label] = (error as Error).message.split('\n')[0] ?? String(error);
        }
      }
    };
    await addFunctions('function', root);
    if (baseline !== undefined) await addFunctions('baseline', baseline.dir);

    // One untimed import each: file cache warm for every bundle alike, and load failures found.
    const loadErrors: Record<string, string> = {};
    for (const t of targets) {
      const probe = importOnce(t.bundle.file, t.functionName);
      if ('error' in probe) loadErrors[t.bundle.name] = probe.error;
    }
    const timed = targets.filter((t) => loadErrors[t.bundle.name] === undefined);
    console.log(`timing ${ROUNDS} rounds of ${RUNS} fresh-process imports of each of ${timed.length} bundles (interleaved)...`);
    const samples = new Map<string, TimedSample[]>(timed.map((t) => [t.bundle.name, []]));
    for (let round = 0; round < ROUNDS; round++) {
      for (let r = 0; r < RUNS; r++) {
        for (const t of timed) {
          const s = importOnce(t.bundle.file, t.functionName);
          if ('error' in s) loadErrors[t.bundle.name] ??= `failed in round ${round + 1}, run ${r + 1}: ${s.error}`;
          else samples.get(t.bundle.name)?.push({ ...s, round });
        }
      }
    }

    const floor = targets[0] as Target;
    const floorInit = (samples.get(FLOOR) ?? []).length > 0 ? initStats(samples.get(FLOOR) ?? []) : undefined;
    const rows = targets.map((t) => {
      const b = t.bundle;
      const s = samples.get(b.name) ?? [];
      const init = s.length === 0 ? undefined : initStats(s);
      const roundRatios =
        init === undefined || floorInit === undefined ? [] : init.roundMinMs.map((ms, i) => ms / (floorInit.roundMinMs[i] ?? Number.NaN));
      const vsFloor = {
        bytes: round2(b.bytes / floor.bundle.bytes),
        gzipBytes: round2(b.gzipBytes / floor.bundle.gzipBytes),
        initMedian: init === undefined || floorInit === undefined ? undefined : round2(init.medianMs / floorInit.medianMs),
        // The fastest run of a round is the least disturbed by other work on a shared machine;
        // the median over rounds keeps one lucky or unlucky round from deciding.
        initMin: roundRatios.length === 0 ? undefined : round2(percentile(roundRatios, 0.5)),
        initMinPerRound: roundRatios.map(round2),
      };
      return {
        name: b.name,
        kind: t.kind,
        ...(t.part === undefined ? {} : { part: t.part }),
        entry: b.entry,
        bytes: b.bytes,
        gzipBytes: b.gzipBytes,
        sourceMapBytes: b.sourceMapBytes,
        topPackages: b.topPackages,
        addedToFloor: addedToFloor(b, floor.bundle),
        zodLocalesBytes: b.zodLocalesBytes,
        init,
        loadError: loadErrors[b.name],
        vsFloor,
        ...(t.kind === 'function' || t.kind === 'baseline'
          ? {
              meetsGoals: {
                size: vsFloor.bytes <= GOALS.size,
                init: vsFloor.initMin === undefined ? undefined : vsFloor.initMin <= GOALS.init,
              },
            }
          : {}),
      };
    });
    type Row = (typeof rows)[number];

    const cpu = os.cpus()[0]?.model ?? 'unknown';
    const results = {
      machine: {
        cpu,
        cores: os.cpus().length,
        node: process.version,
        platform: `${os.platform()} ${os.release()} ${os.arch()}`,
        memoryGiB: Math.round(os.totalmem() / 2 ** 30),
        loadAverageAtEnd: os.loadavg().map(round2),
      },
      esbuild: esbuildVersion,
      bundling: { ...cdkBundling, note: 'options of infra/constructs/dispute-function.ts; outfile index.mjs as NodejsFunction writes it' },
      runsPerRound: RUNS,
      rounds: ROUNDS,
      goals: { sizeVsFloor: GOALS.size, initVsFloorMin: GOALS.init },
      ...(baseline === undefined ? {} : { baseline: { ref: BASELINE, commit: baseline.commit } }),
      environment: Object.keys(lambdaLikeEnvironment('x')).filter((k) => k !== 'PATH'),
      floor: rows[0],
      probes: rows.filter((r) => r.kind === 'probe'),
      functions: rows.filter((r) => r.kind === 'function'),
      baselineFunctions: rows.filter((r) => r.kind === 'baseline'),
      bundleErrors,
      zodImportProbe: zodProbe,
    };

    const dir = join(root, 'bench', 'results');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'bundles.json'), `${JSON.stringify(results, null, 2)}\n`);

    const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
    const signedKib = (n: number) => `${n >= 0 ? '+' : '−'}${(Math.abs(n) / 1024).toFixed(1)}`;
    const ratio = (x: number | undefined) => (x === undefined ? 'n/a' : `${x}×`);
    const initRatios = (r: Row | undefined) =>
      r?.init === undefined ? 'not measured' : `${ratio(r.vsFloor.initMedian)} (${ratio(r.vsFloor.initMin)})`;
    const functionRows = rows.filter((r) => r.kind === 'function');
    const before = new Map(rows.filter((r) => r.kind === 'baseline').map((r) => [r.name.replace(/ @ .*$/, ''), r]));
    const goalsMet = (r: Row) =>
      r.meetsGoals === undefined
        ? ''
        : `${r.meetsGoals.size ? 'yes' : 'no'}, ${r.meetsGoals.init === undefined ? 'n/a' : r.meetsGoals.init ? 'yes' : 'no'}`;
    const line = (r: Row) => {
      const init =
        r.init === undefined
          ? `not measured: ${r.loadError ?? 'no samples'} | – | –`
          : `${r.init.medianMs} | ${r.init.p90Ms} | ${r.init.minMs}`;
      const ratios = r.kind === 'floor' ? '1 | 1 | 1 (1)' : `${r.vsFloor.bytes}× | ${r.vsFloor.gzipBytes}× | ${initRatios(r)}`;
      const b = before.get(r.name);
      const baselineCells =
        baseline === undefined
          ? ''
          : r.kind === 'floor'
            ? ' | |'
            : ` | ${b === undefined ? 'n/a' : `${b.vsFloor.bytes}×`} | ${initRatios(b)}`;
      return `| ${r.kind === 'floor' ? `*${r.name}*` : `\`${r.name}\``} | ${kib(r.bytes)} | ${kib(r.gzipBytes)} | ${init} | ${ratios} | ${goalsMet(r)}${baselineCells} |`;
    };
    const addedLine = (r: Row) =>
      `| \`${r.name}\` | ${signedKib(r.bytes - floor.bundle.bytes)} | ${parts.map((p) => signedKib(r.addedToFloor[p])).join(' | ')} |`;
    const probeLine = (r: Row) =>
      `| ${r.name} | ${r.part ?? ''} | ${signedKib(r.bytes - floor.bundle.bytes)} KiB (${r.vsFloor.bytes}×) | ${initRatios(r)} |`;
    const localeRange =
      functionRows.length === 0
        ? 'n/a'
        : `${kib(Math.min(...functionRows.map((r) => r.zodLocalesBytes)))}–${kib(Math.max(...functionRows.map((r) => r.zodLocalesBytes)))}`;
    const [probeNamed, probeStar] = zodProbe;
    // #20 put Powertools Tracer (and the X-Ray SDK) on every function, after #14 set its goals
    // against a floor without it: the same goals against a floor that carries the tracer too.
    // #16 put the official Stripe SDK (and the Secrets Manager client for its key) into the two
    // functions that pay through Stripe: those are compared with a floor that carries that too.
    const traced = rows.find((r) => r.kind === 'probe' && r.name === 'floor + Tracer capturing the two clients');
    const tracedStripe = rows.find((r) => r.kind === 'probe' && r.name === 'floor + Tracer + what paying through Stripe needs');
    const paysThroughStripe = (r: Row) => r.topPackages.some((p) => p.package === 'stripe');
    const vsTraced = (r: Row) => {
      const base = paysThroughStripe(r) ? tracedStripe : traced;
      if (base === undefined) return undefined;
      const rounds =
        r.init === undefined || base.init === undefined
          ? []
          : r.init.roundMinMs.map((ms, i) => ms / (base.init?.roundMinMs[i] ?? Number.NaN));
      return { bytes: round2(r.bytes / base.bytes), initMin: rounds.length === 0 ? undefined : round2(percentile(rounds, 0.5)) };
    };
    const tracedLine = (r: Row) => {
      const v = vsTraced(r);
      const name = `\`${r.name}\`${paysThroughStripe(r) ? ' †' : ''}`;
      if (v === undefined) return `| ${name} | n/a | n/a | |`;
      const met = `${v.bytes <= GOALS.size ? 'yes' : 'no'}, ${v.initMin === undefined ? 'n/a' : v.initMin <= GOALS.init ? 'yes' : 'no'}`;
      return `| ${name} | ${v.bytes}× | ${ratio(v.initMin)} | ${met} |`;
    };
    const tracedMet = functionRows.filter((r) => {
      const v = vsTraced(r);
      return v !== undefined && v.bytes <= GOALS.size && v.initMin !== undefined && v.initMin <= GOALS.init;
    }).length;
    // Where the size goal goes: the budget above the floor against what zod and Powertools alone add.
    const range = (xs: number[]) =>
      xs.length === 0 ? 'n/a' : `${(Math.min(...xs) / 1024).toFixed(1)}–${(Math.max(...xs) / 1024).toFixed(1)} KiB`;
    const budget = (GOALS.size - 1) * floor.bundle.bytes;
    const usingBoth = functionRows.filter((r) => r.addedToFloor.zod > 0 && r.addedToFloor.Powertools > 0);
    const fixedParts = usingBoth.map((r) => r.addedToFloor.zod + r.addedToFloor.Powertools);
    const probeRow = (i: number) => rows.filter((r) => r.kind === 'probe')[i];
    const budgetNote = `- Size budget: ${GOALS.size}× the floor leaves ${kib(budget)} above it. zod adds ${range(usingBoth.map((r) => r.addedToFloor.zod))} to every function that validates anything, Powertools ${range(usingBoth.map((r) => r.addedToFloor.Powertools))}: ${range(fixedParts)} together${fixedParts.length > 0 && Math.min(...fixedParts) > budget ? ', more than the budget before any code of ours' : ''}. Init: the zod probe alone comes to ${initRatios(probeRow(0))} of the floor, zod/mini doing the same check to ${initRatios(probeRow(1))}.`;
    const failures = [
      ...Object.entries(bundleErrors).map(([n, e]) => `- \`${n}\` did not bundle: ${e}`),
      ...rows
        .filter((r) => r.loadError !== undefined)
        .map((r) => `- \`${r.name}\` could not be loaded with the dummy configuration: ${r.loadError}`),
    ];
    const command = `node bench/bundles.ts --runs ${RUNS} --rounds ${ROUNDS}${BASELINE === undefined ? '' : ` --baseline ${BASELINE}`}`;
    const md = `## Lambda bundles and cold-start module init

\`${command}\` on ${cpu} (${results.machine.cores} cores), Node ${process.version}, ${results.machine.platform}, esbuild ${esbuildVersion}.
Each entry bundled as the CDK construct bundles it (ESM, node24, minified, AWS SDK inside, createRequire banner, http taken as CommonJS, external source map). Init = \`await import()\` of the bundle in a fresh Node process with dummy configuration (the AWS variant of each setting: webhook secrets as Secrets Manager ARNs, staff from a Cognito user pool), ${ROUNDS} round${ROUNDS === 1 ? '' : 's'} of ${RUNS} processes per bundle, interleaved; the Node boot before the import is not included (median ${floorInit?.nodeBootMedianMs ?? 'n/a'} ms). The floor only constructs DynamoDBClient + DynamoDBDocumentClient and SQSClient. Init vs floor: the ratio of the medians over all runs, and in brackets the ratio of the fastest runs, taken per round against the floor's fastest run of the same round, median over the rounds.${baseline === undefined ? '' : ` The last columns are the functions as of ${baselineLabel}, bundled from that commit's sources on the same node_modules and timed in the same session.`}
Goals (#14): every function at most ${GOALS.size}× the floor's size and ${GOALS.init}× its init (the bracketed ratio).

| bundle | size | gzip | init median ms | init p90 ms | init min ms | size vs floor | gzip vs floor | init vs floor: median (min) | goals met: size, init |${baseline === undefined ? '' : ` size vs floor at ${BASELINE} | init vs floor at ${BASELINE} |`}
|---|---:|---:|---:|---:|---:|---:|---:|---:|---|${baseline === undefined ? '' : '---:|---:|'}
${[rows[0] as Row, ...functionRows].map(line).join('\n')}

What each function adds to the floor, in KiB (each package's bytes in the bundle minus its bytes in the floor; a function without the SQS client comes out below the floor there):

| bundle | total | ${parts.join(' | ')} |
|---|---:|${parts.map(() => '---:').join('|')}|
${functionRows.map(addedLine).join('\n')}

What a part costs at init, on its own: the floor plus that part, timed with the functions.

| probe | part | size vs floor | init vs floor: median (min) |
|---|---|---:|---:|
${rows
  .filter((r) => r.kind === 'probe')
  .map(probeLine)
  .join('\n')}

The tracer alone takes the floor past both goals (the tracer probe). Against a floor that carries
what each function must since #20 and #16 (the tracer: ${traced === undefined ? 'n/a' : kib(traced.bytes)}; for the functions that pay through Stripe, marked †, the Stripe SDK and the Secrets Manager client too: ${tracedStripe === undefined ? 'n/a' : kib(tracedStripe.bytes)}), ${tracedMet} of ${functionRows.length} functions meet both goals:

| bundle | size vs its floor | init vs its floor (min) | goals met: size, init |
|---|---:|---:|---|
${functionRows.map(tracedLine).join('\n')}

${budgetNote}
- Floor contents: ${(rows[0]?.topPackages ?? [])
      .slice(0, 4)
      .map((p) => `${p.package} ${kib(p.bytes)}`)
      .join(', ')}.
- zod's error messages (\`zod/v4/locales\`) take ${localeRange} of a function bundle: the functions use zod/mini, which loads none, and functions/lib/config.ts and contract/validation.ts load the English ones classic zod loads (\`zod/v4/locales/en.js\`), so a function that validates nothing carries none. For classic zod (test code, local/) the import style decides: \`import { z } from 'zod'\` would keep the whole \`z\` namespace: a one-schema probe bundles to ${probeNamed === undefined ? 'n/a' : kib(probeNamed.bytes)} that way (locales ${probeNamed === undefined ? 'n/a' : kib(probeNamed.zodLocalesBytes)}) and to ${probeStar === undefined ? 'n/a' : kib(probeStar.bytes)} with \`import * as z from 'zod'\` (locales ${probeStar === undefined ? 'n/a' : kib(probeStar.zodLocalesBytes)}).
- Measured on ${os.arch()} (load average ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(
        ' / ',
      )} at the end); Lambda runs these on arm64 (Graviton), where absolute init times differ; the ratios are the comparable part, and on a busy machine the min ratio is the steadier one. Sizes are exact.
${failures.length > 0 ? `${failures.join('\n')}\n` : ''}`;
    writeFileSync(join(dir, 'bundles.md'), md);
    console.log(md);
    if (failures.length > 0) process.exitCode = 1;
  } finally {
    cleanUp();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

await main();
