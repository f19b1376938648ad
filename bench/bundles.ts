/**
 * Bundle benchmark: `node bench/bundles.ts [--runs N]`.
 *
 * Steps:
 * 1. Bundle every Lambda entry (`functions/<name>/index.ts`) with esbuild and exactly the
 *    options the CDK function construct gives NodejsFunction (infra/constructs/dispute-function.ts):
 *    minified ESM for node24, AWS SDK bundled, the createRequire banner, external source map.
 * 2. Bundle a floor the same way: an entry that only constructs the DynamoDB client (plus the
 *    document client) and the SQS client, i.e. what any function of this design must load.
 * 3. Report each bundle's size (bytes and gzip) and its biggest contributors (esbuild metafile).
 * 4. Cold-start module init: import each bundled handler in a fresh Node process (the same
 *    Node major as Lambda), timing `await import()` inside it; `--runs` processes per bundle
 *    (default 15, at least 10), interleaved across bundles so background load hits all alike.
 *    Each process gets dummy values for the configuration the function validates at load;
 *    a function that still fails to load is reported with its error, not left out.
 * 5. Write bench/results/bundles.json and bench/results/bundles.md; remove the temp folder.
 *
 * Timings are never asserted anywhere; this is a measuring tool.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build, type Metafile, version as esbuildVersion } from 'esbuild';

const root = dirname(dirname(fileURLToPath(import.meta.url)));

function argInt(name: string, fallback: number, min = 1): number {
  const i = process.argv.indexOf(name);
  if (i === -1) return fallback;
  const n = Number(process.argv[i + 1]);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name} needs an integer ≥ ${min}`);
  return n;
}

const RUNS = argInt('--runs', 15, 10);
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
  banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
  logLevel: 'warning',
  absWorkingDir: root,
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

type Bundle = {
  name: string;
  entry: string;
  file: string;
  bytes: number;
  gzipBytes: number;
  sourceMapBytes: number;
  /** Biggest contributors to the output, by package (own code counted as one). */
  topPackages: { package: string; bytes: number }[];
  /** Bytes of zod's translated error messages (zod/v4/locales) in the output. */
  zodLocalesBytes: number;
};

function packageOf(input: string): string {
  const parts = input.split(/[\\/]/);
  const at = parts.lastIndexOf('node_modules');
  if (at === -1) return input.startsWith('functions') ? 'functions/ (own code)' : input.startsWith('<stdin>') ? '(floor entry)' : (parts[0] ?? input);
  const first = parts[at + 1] ?? '?';
  return first.startsWith('@') ? `${first}/${parts[at + 2] ?? '?'}` : first;
}

function outputInputs(meta: Metafile, outfile: string): [string, number][] {
  const output = meta.outputs[relative(root, outfile).split(sep).join('/')] ?? Object.values(meta.outputs).find((o) => o.entryPoint !== undefined);
  return Object.entries(output?.inputs ?? {}).map(([input, { bytesInOutput }]) => [input, bytesInOutput]);
}

function topPackages(inputs: [string, number][]): Bundle['topPackages'] {
  const byPackage = new Map<string, number>();
  for (const [input, bytes] of inputs) byPackage.set(packageOf(input), (byPackage.get(packageOf(input)) ?? 0) + bytes);
  return [...byPackage]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 6)
    .map(([pkg, bytes]) => ({ package: pkg, bytes }));
}

const zodLocales = (inputs: [string, number][]) => inputs.filter(([i]) => /node_modules[\\/]zod[\\/].*locales/.test(i)).reduce((sum, [, b]) => sum + b, 0);

async function bundle(name: string, outDir: string, entry: { file: string } | { stdin: string }): Promise<Bundle> {
  const outfile = join(outDir, name.replace(/[^a-z0-9-]+/gi, '-'), 'index.mjs');
  mkdirSync(dirname(outfile), { recursive: true });
  const result = await build({
    ...cdkBundling,
    mainFields: [...cdkBundling.mainFields],
    external: [...cdkBundling.external],
    outfile,
    metafile: true,
    ...('file' in entry ? { entryPoints: [entry.file] } : { stdin: { contents: entry.stdin, resolveDir: root, sourcefile: 'floor.ts', loader: 'ts' } }),
  });
  const code = readFileSync(outfile);
  const inputs = outputInputs(result.metafile, outfile);
  return {
    name,
    entry: 'file' in entry ? relative(root, entry.file) : '(generated floor entry)',
    file: outfile,
    bytes: code.length,
    gzipBytes: gzipSync(code).length,
    sourceMapBytes: existsSync(`${outfile}.map`) ? statSync(`${outfile}.map`).size : 0,
    topPackages: topPackages(inputs),
    zodLocalesBytes: zodLocales(inputs),
  };
}

/**
 * How the zod import style decides what esbuild can drop: one small schema bundled with
 * `import { z } from 'zod'` (the style of this code base) and with `import * as z from 'zod'`.
 */
async function zodImportProbe(outDir: string): Promise<{ style: string; bytes: number; zodLocalesBytes: number }[]> {
  const body = "export const handler = async (e) => z.object({ id: z.string().min(1), n: z.int().positive() }).parse(e);";
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
    const lines = `${run.stderr}`.split('\n').filter((l) => /Error|error:/.test(l));
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

async function main(): Promise<void> {
  const functionNames = readdirSync(join(root, 'functions'), { withFileTypes: true })
    .filter((d) => d.isDirectory() && d.name !== 'lib' && existsSync(join(root, 'functions', d.name, 'index.ts')))
    .map((d) => d.name)
    .sort();
  const tempDir = mkdtempSync(join(os.tmpdir(), 'dispute-desk-bundles-'));
  const cleanUp = () => rmSync(tempDir, { recursive: true, force: true });
  const onSignal = (signal: NodeJS.Signals) => {
    cleanUp();
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    console.log(`bundling ${functionNames.length} functions and the floor with esbuild ${esbuildVersion}...`);
    const bundles: Bundle[] = [await bundle(FLOOR, tempDir, { stdin: floorSource })];
    const zodProbe = await zodImportProbe(tempDir);
    const bundleErrors: Record<string, string> = {};
    for (const name of functionNames) {
      try {
        bundles.push(await bundle(name, tempDir, { file: join(root, 'functions', name, 'index.ts') }));
      } catch (error) {
        bundleErrors[name] = (error as Error).message.split('\n')[0] ?? String(error);
      }
    }

    // One untimed import each: file cache warm for every bundle alike, and load failures found.
    const loadErrors: Record<string, string> = {};
    for (const b of bundles) {
      const probe = importOnce(b.file, b.name);
      if ('error' in probe) loadErrors[b.name] = probe.error;
    }
    const timed = bundles.filter((b) => loadErrors[b.name] === undefined);
    console.log(`timing ${RUNS} fresh-process imports of each of ${timed.length} bundles (interleaved)...`);
    const samples = new Map<string, ImportSample[]>(timed.map((b) => [b.name, []]));
    for (let r = 0; r < RUNS; r++) {
      for (const b of timed) {
        const s = importOnce(b.file, b.name);
        if ('error' in s) loadErrors[b.name] ??= `failed on run ${r + 1}: ${s.error}`;
        else samples.get(b.name)?.push(s);
      }
    }

    const floor = bundles[0] as Bundle;
    const floorSamples = samples.get(FLOOR) ?? [];
    const floorMedian = floorSamples.length > 0 ? percentile(floorSamples.map((s) => s.importMs), 0.5) : Number.NaN;
    const floorMin = floorSamples.length > 0 ? round1(Math.min(...floorSamples.map((s) => s.importMs))) : Number.NaN;
    const rows = bundles.map((b) => {
      const s = samples.get(b.name) ?? [];
      const importMs = s.map((x) => x.importMs);
      const init =
        s.length === 0
          ? undefined
          : {
              runs: s.length,
              medianMs: round1(percentile(importMs, 0.5)),
              p90Ms: round1(percentile(importMs, 0.9)),
              minMs: round1(Math.min(...importMs)),
              maxMs: round1(Math.max(...importMs)),
              processMedianMs: round1(percentile(s.map((x) => x.processMs), 0.5)),
              nodeBootMedianMs: round1(percentile(s.map((x) => x.bootMs), 0.5)),
            };
      return {
        name: b.name,
        entry: b.entry,
        bytes: b.bytes,
        gzipBytes: b.gzipBytes,
        sourceMapBytes: b.sourceMapBytes,
        topPackages: b.topPackages,
        zodLocalesBytes: b.zodLocalesBytes,
        init,
        loadError: loadErrors[b.name],
        vsFloor: {
          bytes: round2(b.bytes / floor.bytes),
          gzipBytes: round2(b.gzipBytes / floor.gzipBytes),
          initMedian: init === undefined ? undefined : round2(init.medianMs / floorMedian),
          // The fastest run is the least disturbed by other work on a shared machine.
          initMin: init === undefined ? undefined : round2(init.minMs / floorMin),
        },
      };
    });

    const cpu = os.cpus()[0]?.model ?? 'unknown';
    const results = {
      machine: {
        cpu,
        cores: os.cpus().length,
        node: process.version,
        platform: `${os.platform()} ${os.release()} ${os.arch()}`,
        memoryGiB: Math.round(os.totalmem() / 2 ** 30),
      },
      esbuild: esbuildVersion,
      bundling: { ...cdkBundling, absWorkingDir: undefined, note: 'options of infra/constructs/dispute-function.ts; outfile index.mjs as NodejsFunction writes it' },
      runsPerBundle: RUNS,
      environment: Object.keys(lambdaLikeEnvironment('x')).filter((k) => k !== 'PATH'),
      floor: rows[0],
      functions: rows.slice(1),
      bundleErrors,
      zodImportProbe: zodProbe,
    };

    const dir = join(root, 'bench', 'results');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'bundles.json'), `${JSON.stringify(results, null, 2)}\n`);

    const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
    const line = (r: (typeof rows)[number], isFloor: boolean) => {
      const init = r.init === undefined ? `not measured: ${r.loadError ?? 'no samples'} | – | –` : `${r.init.medianMs} | ${r.init.p90Ms} | ${r.init.minMs}`;
      const ratios = isFloor ? '1 | 1 | 1 (1)' : `${r.vsFloor.bytes}× | ${r.vsFloor.gzipBytes}× | ${r.vsFloor.initMedian === undefined ? 'n/a' : `${r.vsFloor.initMedian}× (${r.vsFloor.initMin}×)`}`;
      const top = r.topPackages[0];
      const largest = top === undefined ? '' : `${top.package} ${kib(top.bytes)} (${Math.round((top.bytes / r.bytes) * 100)}%)`;
      return `| ${isFloor ? `*${r.name}*` : `\`${r.name}\``} | ${kib(r.bytes)} | ${kib(r.gzipBytes)} | ${init} | ${ratios} | ${largest} |`;
    };
    const fnRows = rows.slice(1);
    const localeRange = fnRows.length === 0 ? 'n/a' : `${kib(Math.min(...fnRows.map((r) => r.zodLocalesBytes)))}–${kib(Math.max(...fnRows.map((r) => r.zodLocalesBytes)))}`;
    const [probeNamed, probeStar] = zodProbe;
    const failures = [
      ...Object.entries(bundleErrors).map(([n, e]) => `- \`${n}\` did not bundle: ${e}`),
      ...rows.filter((r) => r.loadError !== undefined).map((r) => `- \`${r.name}\` could not be loaded with the dummy configuration: ${r.loadError}`),
    ];
    const md = `## Lambda bundles and cold-start module init

\`node bench/bundles.ts --runs ${RUNS}\` on ${cpu} (${results.machine.cores} cores), Node ${process.version}, ${results.machine.platform}, esbuild ${esbuildVersion}.
Each entry bundled as the CDK construct bundles it (ESM, node24, minified, AWS SDK inside, createRequire banner, external source map). Init = \`await import()\` of the bundle in a fresh Node process with dummy configuration (the AWS variant of each setting: webhook secrets as Secrets Manager ARNs, staff from a Cognito user pool), ${RUNS} processes per bundle, interleaved; the Node boot before the import is not included (median ${rows[0]?.init?.nodeBootMedianMs ?? 'n/a'} ms). The floor only constructs DynamoDBClient + DynamoDBDocumentClient and SQSClient.

| bundle | size | gzip | init median ms | init p90 ms | init min ms | size vs floor | gzip vs floor | init vs floor: median (min) | largest package in it |
|---|---:|---:|---:|---:|---:|---:|---:|---:|---|
${rows.map((r, i) => line(r, i === 0)).join('\n')}

- Floor contents: ${(rows[0]?.topPackages ?? []).slice(0, 4).map((p) => `${p.package} ${kib(p.bytes)}`).join(', ')}.
- zod's translated error messages (\`zod/v4/locales\`) take ${localeRange} of every function bundle: the functions import \`* as z from 'zod'\`, so esbuild drops what they do not use. \`import { z } from 'zod'\` would keep the whole \`z\` namespace: a one-schema probe bundles to ${probeNamed === undefined ? 'n/a' : kib(probeNamed.bytes)} that way (locales ${probeNamed === undefined ? 'n/a' : kib(probeNamed.zodLocalesBytes)}) and to ${probeStar === undefined ? 'n/a' : kib(probeStar.bytes)} with \`import * as z from 'zod'\` (locales ${probeStar === undefined ? 'n/a' : kib(probeStar.zodLocalesBytes)}).
- Measured on ${os.arch()} (load average ${os.loadavg().map((l) => l.toFixed(1)).join(' / ')} at the end); Lambda runs these on arm64 (Graviton), where absolute init times differ; the ratios are the comparable part, and on a busy machine the min ratio is the steadier one. Sizes are exact.
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
