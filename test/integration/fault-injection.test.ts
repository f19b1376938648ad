import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { CreateQueueCommand, GetQueueAttributesCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '#local/console-logger.ts';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '#local/engines.ts';
import { startLocalFaults, type LocalFaults } from '#local/fault-control.ts';
import { acceleratedClock, localClockRate } from '#local/local-clock.ts';
import { startSqsPoller, type SqsPoller } from '#local/sqs-poller.ts';
import { dynamodbEndpoint, sqsClient, sqsEndpoint, uniqueSuffix } from '#test/support/engines.ts';

/**
 * The soak's fault machinery on the real engines: the proxies answer exactly what AWS answers
 * (a throttle the SDK retries, a SendMessage failure), only inside their windows and only for
 * what they select; a simulated worker crash abandons a batch without deleting it.
 */

let faults: LocalFaults | undefined;
const pollers: SqsPoller[] = [];
afterEach(async () => {
  await Promise.all(pollers.splice(0).map((p) => p.stop()));
  await faults?.stop();
  faults = undefined;
});

async function control(body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const route = faults?.routes.find((r) => r.method === 'POST');
  if (route === undefined) throw new Error('no control route');
  const answer = await route.handle({
    method: 'POST',
    rawPath: '/_local/faults',
    pathParameters: {},
    query: new URLSearchParams(),
    headers: {},
    body: Buffer.from(JSON.stringify(body)),
  });
  return { status: answer.status, json: JSON.parse(String(answer.body)) as Record<string, unknown> };
}

async function shortVisibilityQueue(): Promise<{ url: string; arn: string }> {
  const { QueueUrl = '' } = await sqsClient().send(
    new CreateQueueCommand({ QueueName: `faults-${uniqueSuffix()}.fifo`, Attributes: { FifoQueue: 'true', VisibilityTimeout: '2' } }),
  );
  const { Attributes } = await sqsClient().send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
  return { url: QueueUrl, arn: Attributes?.QueueArn ?? '' };
}

describe('local fault injection (LOCAL_FAULTS=1)', () => {
  it('throttles DynamoDB through the proxy only while the window is open, as a throttle the SDK recognises', async () => {
    faults = await startLocalFaults({ dynamodb: dynamodbEndpoint(), sqs: sqsEndpoint(), log: silentLogger });
    const viaProxy = new DynamoDBClient({
      endpoint: faults.handlerEndpoints.dynamodb,
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
      maxAttempts: 3,
    });
    await expect(viaProxy.send(new ListTablesCommand({ Limit: 1 }))).resolves.toBeDefined();

    expect((await control({ dynamodbThrottle: { forMs: 60_000 } })).status).toBe(200);
    const error = await viaProxy.send(new ListTablesCommand({ Limit: 1 })).catch((e: unknown) => e as Error);
    // The SDK classified it as retryable and tried every attempt, as with a real throttle.
    expect(error).toMatchObject({ name: 'ProvisionedThroughputExceededException', $metadata: { httpStatusCode: 400, attempts: 3 } });

    await control({ clear: true });
    await expect(viaProxy.send(new ListTablesCommand({ Limit: 1 }))).resolves.toBeDefined();
    viaProxy.destroy();
  });

  it('fails SQS sends for a window but lets every other SQS call through', async () => {
    faults = await startLocalFaults({ dynamodb: dynamodbEndpoint(), sqs: sqsEndpoint(), log: silentLogger });
    const queue = await shortVisibilityQueue();
    const viaProxy = new SQSClient({
      endpoint: faults.handlerEndpoints.sqs,
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
      maxAttempts: 2,
    });
    await control({ sqsSendFailure: { forMs: 60_000 } });
    const send = () =>
      viaProxy.send(
        new SendMessageCommand({ QueueUrl: queue.url, MessageBody: 'x', MessageGroupId: 'g', MessageDeduplicationId: uniqueSuffix() }),
      );
    await expect(send()).rejects.toMatchObject({ $metadata: { httpStatusCode: 500 } });
    await expect(
      viaProxy.send(new GetQueueAttributesCommand({ QueueUrl: queue.url, AttributeNames: ['QueueArn'] })),
    ).resolves.toBeDefined();
    const stats = (await control({ clear: true })).json as { sqs: { injected: Record<string, number> } };
    expect(stats.sqs.injected['send-failure']).toBe(2); // the first attempt and the SDK's retry
    await expect(send()).resolves.toMatchObject({ MessageId: expect.any(String) });
    viaProxy.destroy();
  });

  it('a simulated worker crash abandons the batch without deleting it; the message comes back and is handled again', async () => {
    faults = await startLocalFaults({ dynamodb: dynamodbEndpoint(), sqs: sqsEndpoint(), log: silentLogger });
    const queue = await shortVisibilityQueue();
    const seen: string[] = [];
    const poller = startSqsPoller({
      sqs: sqsClient(),
      queueUrl: queue.url,
      queueArn: queue.arn,
      region: LOCAL_REGION,
      batchSize: 10,
      waitTimeSeconds: 1,
      functionName: 'apply-refund',
      log: silentLogger,
      handler: async (event: SQSEvent) => {
        for (const r of event.Records) seen.push(r.messageId);
      },
    });
    pollers.push(poller);
    faults.registerPoller('apply-refund', poller);
    // Armed before the message exists: the next batch is abandoned when its handler returns.
    expect((await control({ workerCrash: { function: 'apply-refund', afterMs: 30_000 } })).json.applied).toEqual({ workerCrash: 'ARMED' });
    await sqsClient().send(
      new SendMessageCommand({ QueueUrl: queue.url, MessageBody: 'refund', MessageGroupId: 'g', MessageDeduplicationId: uniqueSuffix() }),
    );

    await vi.waitFor(() => expect(seen.length).toBe(2), { timeout: 20_000, interval: 100 });
    expect(new Set(seen).size).toBe(1);
    expect(poller.crashes()).toEqual({ batches: 1, messages: 1 });
    expect((await control({ workerCrash: { function: 'no-such-function' } })).status).toBe(404);
  });

  it('LOCAL_CLOCK_RATE accelerates only the clock it builds, and refuses nonsense', () => {
    expect(localClockRate({})).toBe(1);
    expect(localClockRate({ LOCAL_CLOCK_RATE: '1440' })).toBe(1440);
    expect(() => localClockRate({ LOCAL_CLOCK_RATE: 'fast' })).toThrow(RangeError);
    const origin = Date.now() - 1_000;
    const clock = acceleratedClock(3_600, origin);
    // One real second later, an hour has passed on the accelerated clock.
    expect(clock.now().getTime() - origin).toBeGreaterThanOrEqual(3_600_000);
  });
});
