import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { LocalInvokeStore, localInvokeStore, runInvocation } from '#local/invoke-store.ts';

/**
 * The local runtime's invoke store must be the one Powertools reads, and must keep
 * interleaved invocations apart. The AWS SDK asks `@aws/lambda-invoke-store` for an
 * instance on its first call, before any handler runs; that package then installs its
 * single-invocation store globally. Kept, it made two concurrent refund-worker batches share
 * Powertools' batch state: one batch's failed record vanished from its batchItemFailures, the
 * poller deleted it, and the refund stayed APPLYING with no message left (found by the soak).
 */

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function record(id: string, body: string): SQSRecord {
  return { messageId: id, body } as SQSRecord;
}

describe('local invoke store', () => {
  it('replaces a store the SDK installed before the runtime, and keeps interleaved batches apart', async () => {
    // Prepare: what the SDK's first call does while the runtime provisions its table.
    delete process.env.AWS_LAMBDA_MAX_CONCURRENCY;
    const { InvokeStore } = await import('@aws/lambda-invoke-store');
    await InvokeStore.getInstanceAsync();
    const host = globalThis as unknown as { awslambda: { InvokeStore: unknown } };
    expect(host.awslambda.InvokeStore).toBeDefined();

    // Act: the runtime installs its store, then two worker invocations interleave on one
    // module-level processor, as the local SQS poller runs them.
    localInvokeStore();
    expect(host.awslambda.InvokeStore).toBeInstanceOf(LocalInvokeStore);
    const processor = new BatchProcessor(EventType.SQS);
    const handler = (event: SQSEvent) =>
      processPartialResponse(
        event,
        async (r: SQSRecord) => {
          await sleep(r.body === 'slow-fail' ? 30 : 5);
          if (r.body.endsWith('fail')) throw new Error(`record ${r.messageId} failed`);
        },
        processor,
      );
    const first = runInvocation('req-a', () => handler({ Records: [record('a1', 'ok'), record('a2', 'slow-fail')] }));
    await sleep(1);
    const second = runInvocation('req-b', () => handler({ Records: [record('b1', 'ok'), record('b2', 'ok')] }));

    // Assess: each invocation reports exactly its own failures.
    expect(await first).toEqual({ batchItemFailures: [{ itemIdentifier: 'a2' }] });
    expect(await second).toEqual({ batchItemFailures: [] });
  });
});
