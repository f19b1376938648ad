import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbCaseStore } from '#lib/adapters/dynamodb-case-store.ts';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '#local/engines.ts';
import { entryOf, type FunctionSpec, functionManifest } from '../../functions/manifest.ts';
import { createTestQueues, createTestTable, documentClient, dynamodbEndpoint, sqsEndpoint } from '../support/engines.ts';
import { principal, seedCase, type StaffRouteName, staffEvent } from '../support/staff-factory.ts';
import { lambdaContext } from '../support/webhook-factory.ts';
import { builtinAliases, ESM_REQUIRE_BANNER } from '#infra/bundling.ts';

/**
 * The staff writes as Lambda runs them: functions/staff-command/index.ts bundled the way the
 * construct bundles it (esbuild, the manifest's `define` for that function), loaded in a fresh
 * Node process with only the settings the deployed function gets, and invoked against
 * DynamoDB Local and fauxqs. The rest of the suite runs the same route through the test
 * harness or the local runtime, which choose the command at run time instead.
 */

const root = new URL('../../', import.meta.url).pathname;
const outDir = mkdtempSync(join(tmpdir(), 'staff-command-bundle-'));
const specOf = (name: string) => (functionManifest as readonly FunctionSpec[]).find((s) => s.name === name) as FunctionSpec;

async function bundleOf(name: string): Promise<string> {
  const entry = entryOf(specOf(name));
  const outfile = join(outDir, name, 'index.mjs');
  await build({
    entryPoints: [join(root, entry.path)],
    define: { ...entry.define },
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node24',
    minify: true,
    mainFields: ['module', 'main'],
    banner: { js: ESM_REQUIRE_BANNER },
    alias: { ...builtinAliases(root) },
    logLevel: 'silent',
  });
  return outfile;
}

/** Imports the bundle in a fresh process with `env` and invokes its handler once with `event`. */
function invoke(bundle: string, env: Record<string, string>, event: unknown): { statusCode?: number; body?: string; error?: string } {
  const script = `
    const [file, event] = process.argv.slice(-2);
    try {
      const { handler } = await import(file);
      const res = await handler(JSON.parse(event), ${JSON.stringify(lambdaContext('staff-command-bundle'))});
      process.stdout.write(JSON.stringify(res));
    } catch (error) {
      process.stdout.write(JSON.stringify({ error: error.name + ': ' + error.message }));
    }`;
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', script, pathToFileURL(bundle).href, JSON.stringify(event)], {
    env: {
      PATH: process.env.PATH ?? '',
      AWS_REGION: LOCAL_REGION,
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
      POWERTOOLS_TRACE_ENABLED: 'false',
      POWERTOOLS_METRICS_DISABLED: 'true',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
      ...env,
    },
    encoding: 'utf8',
    timeout: 30_000,
  });
  if (run.status !== 0) throw new Error(`the bundle's process failed: ${run.stderr}`);
  return JSON.parse(run.stdout) as { statusCode?: number; body?: string; error?: string };
}

describe('a staff write bundled as for Lambda', () => {
  let tableName: string;
  let refundQueueUrl: string;
  let store: DynamoDbCaseStore;
  const bundles: Record<string, string> = {};

  beforeAll(async () => {
    tableName = await createTestTable();
    refundQueueUrl = (await createTestQueues()).refundQueueUrl;
    store = new DynamoDbCaseStore(documentClient(), tableName);
    for (const name of ['add-note', 'override-decision']) bundles[name] = await bundleOf(name);
  });
  afterAll(() => rmSync(outDir, { recursive: true, force: true }));

  const tableEnv = () => ({ TABLE_NAME: tableName, DYNAMODB_ENDPOINT: dynamodbEndpoint() });
  const request = (route: StaffRouteName, caseId: string, sellerId: string, version: number, body: unknown) =>
    staffEvent(route, { as: principal(sellerId, 'supervisor'), caseId, ifMatch: version, body });

  it('add-note runs its own command with only the table: no refund queue is asked for, none built', async () => {
    const seeded = await seedCase(store, { sellerId: 'S-BUNDLE-1' });
    const res = invoke(
      bundles['add-note'] ?? '',
      tableEnv(),
      request('note', seeded.caseId, 'S-BUNDLE-1', seeded.version, { text: 'called the buyer' }),
    );
    expect(res.error).toBeUndefined();
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body ?? '{}').events.map((e: { action: string }) => e.action)).toEqual(['NOTE_ADDED']);
    expect((await store.getCase(seeded.caseId))?.version).toBe(seeded.version + 1);
  });

  it('override-decision builds the refund queue it is granted: without REFUND_QUEUE_URL it does not load; with it, the refund is queued', async () => {
    const seeded = await seedCase(store, { sellerId: 'S-BUNDLE-2', shape: 'AWAITING_APPROVAL' });
    const body = { remedy: 'FULL_REFUND', amount: 50_000, reason: 'goodwill after a call with the buyer' };
    const event = request('override', seeded.caseId, 'S-BUNDLE-2', seeded.version, body);
    const missing = invoke(bundles['override-decision'] ?? '', tableEnv(), event);
    expect(missing.error).toMatch(/ConfigurationError: .*REFUND_QUEUE_URL/);
    expect((await store.getCase(seeded.caseId))?.version).toBe(seeded.version);

    const res = invoke(
      bundles['override-decision'] ?? '',
      { ...tableEnv(), REFUND_QUEUE_URL: refundQueueUrl, SQS_ENDPOINT: sqsEndpoint() },
      event,
    );
    expect(res.error).toBeUndefined();
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body ?? '{}').refund).toMatchObject({ queued: true });
    expect((await store.getCase(seeded.caseId))?.status).toBe('REFUND_PENDING');
  });

  it('a staff write bundle answers another route’s body by its own schema: add-note refuses an approve body, naming text', async () => {
    const seeded = await seedCase(store, { sellerId: 'S-BUNDLE-3' });
    const res = invoke(
      bundles['add-note'] ?? '',
      tableEnv(),
      request('note', seeded.caseId, 'S-BUNDLE-3', seeded.version, { comment: 'ok' }),
    );
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('text');
    expect((await store.getCase(seeded.caseId))?.version).toBe(seeded.version);
  });
});
