import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DynamoDbCaseStore } from '#lib/adapters/dynamodb-case-store.ts';
import type { CaseRecord } from '#lib/workflow/case.ts';
import type { EscalateStaleCasesResult } from '#lib/use-cases/escalate-stale-cases.ts';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '#local/engines.ts';
import { buildScheduledEvent } from '#local/scheduler.ts';
import { seedCases } from '#test/support/case-factory.ts';
import { createTestQueues, createTestTable, documentClient, dynamodbEndpoint, sqsEndpoint } from '#test/support/engines.ts';
import { lambdaContext } from '#test/support/webhook-factory.ts';

/**
 * The Lambda entry file as deployed: configuration from the environment at module load,
 * the time budget from the invocation context, the batch limit from ESCALATION_BATCH_LIMIT,
 * and the run's metrics as one CloudWatch EMF line on stdout.
 */

const saved = { ...process.env };
let store: DynamoDbCaseStore;
let seeded: CaseRecord[];

beforeAll(async () => {
  const table = await createTestTable();
  const queues = await createTestQueues();
  Object.assign(process.env, {
    TABLE_NAME: table,
    DYNAMODB_ENDPOINT: dynamodbEndpoint(),
    SQS_ENDPOINT: sqsEndpoint(),
    REFUND_QUEUE_URL: queues.refundQueueUrl,
    AWS_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    ESCALATION_BATCH_LIMIT: '5',
    POWERTOOLS_METRICS_NAMESPACE: 'DisputeDeskTest',
  });
  store = new DynamoDbCaseStore(documentClient(), table);
  // The handler runs on the system clock: deadlines an hour ago are due now.
  const anHourAgo = new Date(Date.now() - 3_600_000).toISOString();
  seeded = await seedCases(
    store,
    Array.from({ length: 8 }, () => ({ shape: 'NEEDS_REVIEW' as const, level: 'SUPERVISOR' as const, dueAt: anHourAgo })),
  );
});

afterAll(() => {
  for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
  Object.assign(process.env, saved);
});

describe('functions/escalate-stale-cases (entry file)', () => {
  it('escalates a batch of ESCALATION_BATCH_LIMIT cases and publishes the run’s metrics as EMF', async () => {
    const { handler } = await import('../../functions/escalate-stale-cases/index.ts');
    const written: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    let result: EscalateStaleCasesResult;
    try {
      result = (await handler(
        buildScheduledEvent({ name: 'escalate-stale-cases', source: 'aws.scheduler', region: 'us-east-1', accountId: '000000000000' }),
        lambdaContext('escalate-stale-cases'),
      )) as EscalateStaleCasesResult;
    } finally {
      spy.mockRestore();
    }
    expect(result).toMatchObject({ found: 5, escalated: 5, failed: 0, stoppedBy: 'LIMIT' });

    const emf = written
      .flatMap((chunk) => chunk.split('\n'))
      .filter((line) => line.includes('"_aws"'))
      .map((line) => JSON.parse(line) as Record<string, any>);
    // One document for the run; the SLA breaches, one per case moved, are lines of their own.
    const runDocs = emf.filter((d) => 'CasesEscalated' in d);
    expect(runDocs).toHaveLength(1);
    expect(emf.filter((d) => 'SlaBreaches' in d).map((d) => d.kind)).toEqual(Array(5).fill('ESCALATED'));
    expect(emf).toHaveLength(6);
    const [doc] = runDocs;
    expect(doc?._aws.CloudWatchMetrics[0].Namespace).toBe('DisputeDeskTest');
    expect(doc).toMatchObject({
      CasesEscalated: 5,
      DefaultResolutions: 0,
      DueCasesFound: 5,
      EscalationFailures: 0,
      EscalationBacklog: 1,
      // Every seeded case still awaits staff: the 5 escalated and the 3 the limit left.
      ReviewBacklog: 8,
      service: 'dispute-desk',
    });
    expect(doc?.OldestOverdueAge).toBeGreaterThanOrEqual(3_600);

    const after = await Promise.all(seeded.map((c) => store.getCase(c.caseId)));
    expect(after.filter((c) => c?.escalationLevel === 'MANAGER')).toHaveLength(5);
  });
});
