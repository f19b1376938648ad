import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeTableCommand, DescribeTimeToLiveCommand, DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand, ListQueuesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { caseTable, refundQueue } from '#infra/definitions.ts';
import {
  findFreePort,
  isProcessAlive,
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  PortInUseError,
  startDynamoDbLocal,
  startSqsEngine,
} from '#local/engines.ts';
import { provisionQueues, provisionTable, ProvisioningError } from '#local/provision.ts';
import { createTestQueues, createTestTable, dynamoClient, engineContext, sqsClient } from '#test/support/engines.ts';

// Each of these starts or reshapes a Java process or a table: slow on a loaded machine, never a hang.
vi.setConfig({ testTimeout: 120_000 });

const scratchDirs: string[] = [];
function scratchDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'dispute-desk-engines-'));
  scratchDirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of scratchDirs) rmSync(dir, { recursive: true, force: true });
});

/** kill(pid, 0) is the check the brief asks for: ESRCH means no such process. */
function signalZero(pid: number): string {
  try {
    process.kill(pid, 0);
    return 'exists';
  } catch (error) {
    return (error as NodeJS.ErrnoException).code ?? 'unknown';
  }
}

describe('DynamoDB Local (shared engine)', () => {
  it('serves a case table with every index from infra/definitions.ts', async () => {
    const tableName = await createTestTable();
    const { Table } = await dynamoClient().send(new DescribeTableCommand({ TableName: tableName }));

    expect(Table?.TableStatus).toBe('ACTIVE');
    expect(Table?.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
    expect(Table?.KeySchema).toEqual([
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ]);
    const indexes = Object.fromEntries((Table?.GlobalSecondaryIndexes ?? []).map((i) => [i.IndexName, i]));
    expect(Object.keys(indexes).sort()).toEqual(caseTable.globalSecondaryIndexes.map((i) => i.indexName).sort());
    for (const wanted of caseTable.globalSecondaryIndexes) {
      const index = indexes[wanted.indexName];
      expect(index?.KeySchema).toEqual([
        { AttributeName: wanted.partitionKey.name, KeyType: 'HASH' },
        { AttributeName: wanted.sortKey.name, KeyType: 'RANGE' },
      ]);
      if (typeof wanted.projection === 'string') {
        expect(index?.Projection?.ProjectionType).toBe(wanted.projection);
      } else {
        expect(index?.Projection?.ProjectionType).toBe('INCLUDE');
        expect([...(index?.Projection?.NonKeyAttributes ?? [])].sort()).toEqual([...wanted.projection].sort());
      }
      expect(index?.IndexStatus).toBe('ACTIVE');
    }
    const ttl = await dynamoClient().send(new DescribeTimeToLiveCommand({ TableName: tableName }));
    expect(ttl.TimeToLiveDescription?.AttributeName).toBe(caseTable.timeToLiveAttribute);
  });

  it('provisions idempotently: a second run against an existing table succeeds', async () => {
    const tableName = await createTestTable();
    await expect(provisionTable(dynamoClient(), tableName)).resolves.toBeUndefined();
  });

  it('adds an index a persisted table is missing', async () => {
    // A private engine: on the shared one, busy with every other test file, DynamoDB Local can
    // leave a newly added index in CREATING for minutes.
    const engine = await startDynamoDbLocal({});
    const client = new DynamoDBClient({ endpoint: engine.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
    try {
      const tableName = `test-cases-old-${Date.now().toString(36)}`;
      const older = { ...caseTable, globalSecondaryIndexes: caseTable.globalSecondaryIndexes.slice(0, 1) };
      await provisionTable(client, tableName, older);

      await provisionTable(client, tableName);

      const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
      expect((Table?.GlobalSecondaryIndexes ?? []).map((i) => i.IndexName).sort()).toEqual(
        caseTable.globalSecondaryIndexes.map((i) => i.indexName).sort(),
      );
    } finally {
      client.destroy();
      await engine.stop();
    }
  });

  it('refuses a persisted table whose index projects other attributes, naming both and what to do', async () => {
    const tableName = `test-cases-proj-${Date.now().toString(36)}`;
    const older = {
      ...caseTable,
      globalSecondaryIndexes: caseTable.globalSecondaryIndexes.map((i) =>
        i.indexName === 'bySellerDue' ? { ...i, projection: 'ALL' as const } : i,
      ),
    };
    await provisionTable(dynamoClient(), tableName, older);
    const refused = provisionTable(dynamoClient(), tableName);
    await expect(refused).rejects.toThrow(ProvisioningError);
    await expect(refused).rejects.toThrow(
      /index bySellerDue .* projection ALL, but infra\/definitions.ts wants .*INCLUDE\(.*listingSummary.*\); .*delete it \(DATA_DIR\)/,
    );
  });

  it('runs the Java process whose pid the global setup reported', () => {
    const pid = engineContext('dynamodbPid');
    expect(isProcessAlive(pid)).toBe(true);
    expect(readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')).toContain('-sharedDb');
  });
});

describe('fauxqs (shared engine)', () => {
  it('creates the FIFO refund queue with its redrive policy to the FIFO dead-letter queue', async () => {
    const queues = await createTestQueues();
    const { Attributes: main } = await sqsClient().send(
      new GetQueueAttributesCommand({ QueueUrl: queues.refundQueueUrl, AttributeNames: ['All'] }),
    );
    const { Attributes: dlq } = await sqsClient().send(
      new GetQueueAttributesCommand({ QueueUrl: queues.refundDlqUrl, AttributeNames: ['All'] }),
    );

    expect(queues.refundQueueArn).toMatch(new RegExp(`:${queues.prefix}${refundQueue.name.replace('.', '\\.')}$`));
    expect(main?.FifoQueue).toBe('true');
    expect(main?.VisibilityTimeout).toBe(String(refundQueue.visibilityTimeoutSeconds));
    expect(main?.MessageRetentionPeriod).toBe(String(refundQueue.retentionSeconds));
    expect(JSON.parse(main?.RedrivePolicy ?? '{}')).toMatchObject({
      deadLetterTargetArn: queues.refundDlqArn,
      maxReceiveCount: refundQueue.deadLetter.maxReceiveCount,
    });
    expect(dlq?.FifoQueue).toBe('true');
    expect(dlq?.QueueArn).toBe(queues.refundDlqArn);
  });

  it('brings an existing queue in line with a changed definition instead of failing', async () => {
    const first = await createTestQueues();
    const changed = { ...refundQueue, visibilityTimeoutSeconds: 99 };

    const second = await provisionQueues(sqsClient(), first.prefix, changed);

    expect(second.refundQueueUrl).toBe(first.refundQueueUrl);
    const { Attributes } = await sqsClient().send(
      new GetQueueAttributesCommand({ QueueUrl: second.refundQueueUrl, AttributeNames: ['VisibilityTimeout'] }),
    );
    expect(Attributes?.VisibilityTimeout).toBe('99');
  });

  it('provisions queues idempotently: a second run returns the same queues', async () => {
    const first = await createTestQueues();
    const second = await provisionQueues(sqsClient(), first.prefix);
    const { prefix: _prefix, ...firstQueues } = first;
    expect(second).toEqual(firstQueues);
  });
});

describe('engine lifecycle', () => {
  it('stop() ends the Java process of DynamoDB Local itself', async () => {
    const engine = await startDynamoDbLocal({});
    expect(isProcessAlive(engine.pid)).toBe(true);
    expect(readFileSync(`/proc/${engine.pid}/cmdline`, 'utf8')).toContain('DynamoDBLocal.jar');

    expect(isProcessAlive(engine.watchdogPid)).toBe(true);

    await engine.stop();

    expect(signalZero(engine.pid)).toBe('ESRCH');
    // Its watchdog leaves with it rather than waiting for this process to exit.
    expect(signalZero(engine.watchdogPid)).toBe('ESRCH');
    // A second stop() is harmless (the runtime may call it from several paths).
    await expect(engine.stop()).resolves.toBeUndefined();
  });

  it('finds and ends the JVM even when `java` is a launcher script that forks it', async () => {
    // Version managers (sdkman, asdf, jenv) put such shims first on the PATH: killing the
    // shim's pid alone would leave the JVM running and holding the port.
    const realJava = realpathSync(execFileSync('sh', ['-c', 'command -v java'], { encoding: 'utf8' }).trim());
    const fakeHome = scratchDir();
    mkdirSync(join(fakeHome, 'bin'));
    const shim = join(fakeHome, 'bin', 'java');
    writeFileSync(shim, `#!/bin/sh\n"${realJava}" "$@"\necho shim-done >&2\n`);
    chmodSync(shim, 0o755);
    const previous = process.env.JAVA_HOME;
    process.env.JAVA_HOME = fakeHome;
    try {
      const engine = await startDynamoDbLocal({});
      expect(readlinkSync(`/proc/${engine.pid}/exe`)).toBe(realJava);
      expect(readFileSync(`/proc/${engine.pid}/cmdline`, 'utf8')).toContain('DynamoDBLocal.jar');

      await engine.stop();

      expect(signalZero(engine.pid)).toBe('ESRCH');
    } finally {
      if (previous === undefined) delete process.env.JAVA_HOME;
      else process.env.JAVA_HOME = previous;
    }
  });

  it('keeps DynamoDB data in dataDir across a restart', async () => {
    const dataDir = scratchDir();
    const first = await startDynamoDbLocal({ dataDir });
    const client = new DynamoDBClient({ endpoint: first.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
    try {
      await provisionTable(client, 'persisted-cases');
    } finally {
      client.destroy();
      await first.stop();
    }

    const second = await startDynamoDbLocal({ dataDir });
    const again = new DynamoDBClient({ endpoint: second.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
    try {
      const { TableNames } = await again.send(new ListTablesCommand({}));
      expect(TableNames).toContain('persisted-cases');
    } finally {
      again.destroy();
      await second.stop();
    }
    expect(signalZero(second.pid)).toBe('ESRCH');
  });

  it('refuses a DynamoDB port that is already taken, naming the port', async () => {
    const port = await findFreePort();
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(port, resolve));
    try {
      const attempt = startDynamoDbLocal({ port });
      await expect(attempt).rejects.toBeInstanceOf(PortInUseError);
      await expect(attempt).rejects.toThrow(String(port));
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  });

  it('keeps fauxqs queues in dataDir across a restart, and none without it', async () => {
    const dataDir = scratchDir();
    const persistent = await startSqsEngine({ dataDir });
    const client = new SQSClient({ endpoint: persistent.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
    await provisionQueues(client, 'kept-');
    client.destroy();
    await persistent.stop();

    const restarted = await startSqsEngine({ dataDir });
    const inMemory = await startSqsEngine({});
    const restartedClient = new SQSClient({ endpoint: restarted.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
    const inMemoryClient = new SQSClient({ endpoint: inMemory.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
    try {
      const kept = await restartedClient.send(new ListQueuesCommand({ QueueNamePrefix: 'kept-' }));
      const fresh = await inMemoryClient.send(new ListQueuesCommand({ QueueNamePrefix: 'kept-' }));
      expect(kept.QueueUrls ?? []).toHaveLength(2);
      expect(fresh.QueueUrls ?? []).toHaveLength(0);
    } finally {
      restartedClient.destroy();
      inMemoryClient.destroy();
      await restarted.stop();
      await inMemory.stop();
    }
  });
});
