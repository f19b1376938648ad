import { createHash } from 'node:crypto';
import { CreateQueueCommand, GetQueueAttributesCommand, SendMessageBatchCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '#local/console-logger.ts';
import { type SqsHandler, type SqsPoller, startSqsPoller } from '#local/sqs-poller.ts';
import { sqsClient, uniqueSuffix } from '#test/support/engines.ts';

const VISIBILITY_SECONDS = 2;
const WAIT_FOR = { timeout: 20_000, interval: 100 };

/** A FIFO queue with a short visibility timeout, so failed messages come back within the test. */
async function createShortVisibilityQueue(): Promise<{ url: string; arn: string }> {
  const { QueueUrl } = await sqsClient().send(
    new CreateQueueCommand({
      QueueName: `poller-${uniqueSuffix()}.fifo`,
      Attributes: { FifoQueue: 'true', VisibilityTimeout: String(VISIBILITY_SECONDS) },
    }),
  );
  const url = QueueUrl ?? '';
  const { Attributes } = await sqsClient().send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }));
  return { url, arn: Attributes?.QueueArn ?? '' };
}

/** Each message in its own group, so FIFO ordering never holds one back behind another. */
async function sendMessages(queueUrl: string, bodies: readonly string[]): Promise<void> {
  await sqsClient().send(
    new SendMessageBatchCommand({
      QueueUrl: queueUrl,
      Entries: bodies.map((body, i) => ({
        Id: String(i),
        MessageBody: body,
        MessageGroupId: `group-${body}`,
        MessageDeduplicationId: `dedup-${body}`,
      })),
    }),
  );
}

async function messagesLeft(queueUrl: string): Promise<number> {
  const { Attributes } = await sqsClient().send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'],
    }),
  );
  return (
    Number(Attributes?.ApproximateNumberOfMessages ?? 0) +
    Number(Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0) +
    Number(Attributes?.ApproximateNumberOfMessagesDelayed ?? 0)
  );
}

const pollers: SqsPoller[] = [];
afterEach(async () => {
  await Promise.all(pollers.splice(0).map((p) => p.stop()));
});

function poll(queue: { url: string; arn: string }, handler: SqsHandler): SqsPoller {
  const poller = startSqsPoller({
    sqs: sqsClient(),
    queueUrl: queue.url,
    queueArn: queue.arn,
    region: 'us-east-1',
    batchSize: 10,
    waitTimeSeconds: 1,
    functionName: 'test-worker',
    handler,
    log: silentLogger,
  });
  pollers.push(poller);
  return poller;
}

describe('startSqsPoller', () => {
  it('deletes the messages that succeeded and redelivers the one reported in batchItemFailures', async () => {
    const queue = await createShortVisibilityQueue();
    await sendMessages(queue.url, ['a', 'b', 'c']);
    const deliveries: { body: string; receiveCount: string }[] = [];

    poll(queue, async function failBOnce(event): Promise<SQSBatchResponse> {
      const failures: { itemIdentifier: string }[] = [];
      for (const record of event.Records) {
        deliveries.push({ body: record.body, receiveCount: record.attributes.ApproximateReceiveCount });
        if (record.body === 'b' && record.attributes.ApproximateReceiveCount === '1') failures.push({ itemIdentifier: record.messageId });
      }
      return { batchItemFailures: failures };
    });

    // b is invisible for the visibility timeout, then delivered a second time and deleted.
    await vi.waitFor(async () => {
      expect(deliveries).toContainEqual({ body: 'b', receiveCount: '2' });
      expect(await messagesLeft(queue.url)).toBe(0);
    }, WAIT_FOR);
    expect(deliveries.filter((d) => d.body === 'a')).toEqual([{ body: 'a', receiveCount: '1' }]);
    expect(deliveries.filter((d) => d.body === 'c')).toEqual([{ body: 'c', receiveCount: '1' }]);
    expect(deliveries.filter((d) => d.body === 'b')).toHaveLength(2);
  });

  it('deletes nothing when the handler throws', async () => {
    const queue = await createShortVisibilityQueue();
    await sendMessages(queue.url, ['x', 'y']);
    let invocations = 0;
    const poller = poll(queue, async function alwaysThrow() {
      invocations += 1;
      throw new Error('downstream unavailable');
    });

    await vi.waitFor(() => expect(invocations).toBeGreaterThan(0), WAIT_FOR);
    await poller.stop();

    expect(await messagesLeft(queue.url)).toBe(2);
  });

  it('treats the whole batch as failed when batchItemFailures names a message not in the batch', async () => {
    const queue = await createShortVisibilityQueue();
    await sendMessages(queue.url, ['p', 'q']);
    let invocations = 0;
    const poller = poll(queue, async function reportUnknownId() {
      invocations += 1;
      return { batchItemFailures: [{ itemIdentifier: 'not-a-message-of-this-batch' }] };
    });

    await vi.waitFor(() => expect(invocations).toBeGreaterThan(0), WAIT_FOR);
    await poller.stop();

    expect(await messagesLeft(queue.url)).toBe(2);
  });

  it('hands the handler the SQSEvent Lambda builds, FIFO attributes included', async () => {
    const queue = await createShortVisibilityQueue();
    const body = JSON.stringify({ refundId: 'R-1' });
    const { MessageId, SequenceNumber } = await sqsClient().send(
      new SendMessageCommand({
        QueueUrl: queue.url,
        MessageBody: body,
        MessageGroupId: 'case-123',
        MessageDeduplicationId: 'refund-R-1',
        MessageAttributes: {
          kind: { DataType: 'String', StringValue: 'refund' },
          amount: { DataType: 'Number', StringValue: '4999' },
          blob: { DataType: 'Binary', BinaryValue: Buffer.from('hello') },
        },
      }),
    );
    const seen: { event: SQSEvent; context: Context }[] = [];
    poll(queue, async function capture(event, context) {
      seen.push({ event, context });
    });

    await vi.waitFor(() => expect(seen).toHaveLength(1), WAIT_FOR);
    await vi.waitFor(async () => expect(await messagesLeft(queue.url)).toBe(0), WAIT_FOR);
    const { event, context } = seen[0] as { event: SQSEvent; context: Context };
    const record = event.Records[0] as SQSRecord;

    expect(event.Records).toHaveLength(1);
    expect(record).toMatchObject({
      messageId: MessageId,
      body,
      md5OfBody: createHash('md5').update(body).digest('hex'),
      eventSource: 'aws:sqs',
      eventSourceARN: queue.arn,
      awsRegion: 'us-east-1',
    });
    expect(record.receiptHandle).not.toBe('');
    expect(record.attributes).toMatchObject({
      ApproximateReceiveCount: '1',
      MessageGroupId: 'case-123',
      MessageDeduplicationId: 'refund-R-1',
      SequenceNumber,
    });
    expect(record.attributes.SentTimestamp).toMatch(/^\d{13}$/);
    expect(record.attributes.ApproximateFirstReceiveTimestamp).toMatch(/^\d{13}$/);
    expect(record.attributes.SenderId).not.toBe('');
    expect(record.messageAttributes).toEqual({
      kind: { stringValue: 'refund', stringListValues: [], binaryListValues: [], dataType: 'String' },
      amount: { stringValue: '4999', stringListValues: [], binaryListValues: [], dataType: 'Number' },
      blob: { binaryValue: Buffer.from('hello').toString('base64'), stringListValues: [], binaryListValues: [], dataType: 'Binary' },
    });
    expect(context.functionName).toBe('test-worker');
    expect(context.awsRequestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(context.invokedFunctionArn).toBe('arn:aws:lambda:us-east-1:000000000000:function:test-worker');
  });

  it('refuses a batch size SQS cannot deliver', () => {
    expect(() =>
      startSqsPoller({
        sqs: sqsClient(),
        queueUrl: 'unused',
        queueArn: 'unused',
        region: 'us-east-1',
        batchSize: 11,
        waitTimeSeconds: 1,
        functionName: 'test-worker',
        handler: async () => undefined,
        log: silentLogger,
      }),
    ).toThrow(/batchSize/);
  });
});
