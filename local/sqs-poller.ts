import { setTimeout as sleep } from 'node:timers/promises';
import { DeleteMessageBatchCommand, type Message, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSMessageAttributes, SQSRecord, SQSRecordAttributes } from 'aws-lambda';
import { createConsoleLogger, type LocalLogger } from './console-logger.ts';
import { createLambdaContext, invokeWithTimeout } from './lambda-context.ts';

/**
 * A local Lambda event source mapping for SQS: long-polls a queue, hands batches to the
 * real handler as the SQSEvent Lambda would build, and deletes what succeeded. With
 * ReportBatchItemFailures semantics: listed failures stay on the queue and return after the
 * visibility timeout, which is what drives retries and, eventually, the dead-letter queue.
 */

// biome-ignore lint/suspicious/noConfusingVoidType: the shape of aws-lambda's SQSHandler: a handler may resolve nothing (every record succeeded).
export type SqsHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse | void>;

export type SqsPollerOptions = {
  sqs: SQSClient;
  queueUrl: string;
  queueArn: string;
  region: string;
  /** 1–10, as ReceiveMessage allows. */
  batchSize: number;
  /** Long-poll wait, 0–20 s. */
  waitTimeSeconds: number;
  functionName: string;
  handler: SqsHandler;
  /** @default 30 */
  timeoutSeconds?: number;
  memoryLimitInMB?: number;
  log?: LocalLogger;
};

export type SqsPoller = {
  /** Stops polling and resolves once the batch being processed (if any) is settled. */
  stop(): Promise<void>;
  /**
   * Local fault injection (the soak, via the runtime's POST /_local/faults): a simulated
   * crash of the worker. The batch in flight (or, if none, the next one) is abandoned
   * `afterMs` after the request, or when its handler returns if that comes first (a crash
   * between processing and deleting): nothing of it is deleted, so its messages come back
   * after their visibility timeout, and polling starts again at once. The abandoned invocation
   * cannot be killed inside one process; it runs on unobserved, like a Lambda whose response
   * is lost.
   */
  simulateCrash(options?: { afterMs?: number }): 'IN_FLIGHT' | 'ARMED';
  /** Batches and messages abandoned by simulated crashes so far. */
  crashes(): { batches: number; messages: number };
};

/** A simulated crash of one batch (see simulateCrash). */
type CrashState = { abandoned: boolean; planned: boolean; abandon(): void };

const MAX_BACKOFF_MS = 30_000;
/** With short polling an empty queue would otherwise be asked again immediately, forever. */
const EMPTY_SHORT_POLL_PAUSE_MS = 250;

export class InvalidPollerOptionsError extends Error {
  override readonly name = 'InvalidPollerOptionsError';
}

function toMessageAttributes(message: Message): SQSMessageAttributes {
  const result: SQSMessageAttributes = {};
  for (const [name, value] of Object.entries(message.MessageAttributes ?? {})) {
    // Lambda always sends both list fields (empty) and binary values as base64 text.
    result[name] = {
      ...(value.StringValue === undefined ? {} : { stringValue: value.StringValue }),
      ...(value.BinaryValue === undefined ? {} : { binaryValue: Buffer.from(value.BinaryValue).toString('base64') }),
      stringListValues: value.StringListValues ?? [],
      binaryListValues: (value.BinaryListValues ?? []).map((b) => Buffer.from(b).toString('base64')),
      dataType: value.DataType ?? 'String',
    };
  }
  return result;
}

function toRecordAttributes(message: Message): SQSRecordAttributes {
  const a = message.Attributes ?? {};
  const attributes: SQSRecordAttributes = {
    ApproximateReceiveCount: a.ApproximateReceiveCount ?? '1',
    SentTimestamp: a.SentTimestamp ?? String(Date.now()),
    SenderId: a.SenderId ?? 'LOCAL',
    ApproximateFirstReceiveTimestamp: a.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
  };
  if (a.AWSTraceHeader !== undefined) attributes.AWSTraceHeader = a.AWSTraceHeader;
  if (a.SequenceNumber !== undefined) attributes.SequenceNumber = a.SequenceNumber;
  if (a.MessageGroupId !== undefined) attributes.MessageGroupId = a.MessageGroupId;
  if (a.MessageDeduplicationId !== undefined) attributes.MessageDeduplicationId = a.MessageDeduplicationId;
  if (a.DeadLetterQueueSourceArn !== undefined) attributes.DeadLetterQueueSourceArn = a.DeadLetterQueueSourceArn;
  return attributes;
}

/** The record Lambda builds for one received message. */
export function toSqsRecord(message: Message, queueArn: string, region: string): SQSRecord {
  const record: SQSRecord = {
    messageId: message.MessageId ?? '',
    receiptHandle: message.ReceiptHandle ?? '',
    body: message.Body ?? '',
    attributes: toRecordAttributes(message),
    messageAttributes: toMessageAttributes(message),
    md5OfBody: message.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: region,
  };
  if (message.MD5OfMessageAttributes !== undefined) record.md5OfMessageAttributes = message.MD5OfMessageAttributes;
  return record;
}

/**
 * Which messages of a batch to delete, following Lambda's partial batch response rules:
 * nothing returned (or an empty list) means all succeeded; an identifier that is missing,
 * empty or not in the batch makes Lambda treat the whole batch as failed.
 */
export function messagesToDelete(records: readonly SQSRecord[], result: unknown): { remove: SQSRecord[]; wholeBatchFailed: boolean } {
  if (result === undefined || result === null || typeof result !== 'object' || !('batchItemFailures' in result)) {
    return { remove: [...records], wholeBatchFailed: false };
  }
  const failures = (result as { batchItemFailures: unknown }).batchItemFailures;
  if (failures === undefined || failures === null) return { remove: [...records], wholeBatchFailed: false };
  if (!Array.isArray(failures)) return { remove: [], wholeBatchFailed: true };
  const ids = new Set(records.map((r) => r.messageId));
  const failed = new Set<string>();
  for (const failure of failures as unknown[]) {
    const id = typeof failure === 'object' && failure !== null ? (failure as { itemIdentifier?: unknown }).itemIdentifier : undefined;
    if (typeof id !== 'string' || id === '' || !ids.has(id)) return { remove: [], wholeBatchFailed: true };
    failed.add(id);
  }
  return { remove: records.filter((r) => !failed.has(r.messageId)), wholeBatchFailed: false };
}

/** Starts polling at once; never throws from the loop, only logs and backs off. */
export function startSqsPoller(options: SqsPollerOptions): SqsPoller {
  const { sqs, queueUrl, queueArn, region, batchSize, waitTimeSeconds, functionName, handler } = options;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10) {
    throw new InvalidPollerOptionsError(`batchSize must be an integer from 1 to 10, got ${batchSize}`);
  }
  if (!Number.isInteger(waitTimeSeconds) || waitTimeSeconds < 0 || waitTimeSeconds > 20) {
    throw new InvalidPollerOptionsError(`waitTimeSeconds must be an integer from 0 to 20, got ${waitTimeSeconds}`);
  }
  const log = (options.log ?? createConsoleLogger()).child(`sqs:${functionName}`);
  const timeoutSeconds = options.timeoutSeconds ?? 30;
  const stopController = new AbortController();

  async function receive(): Promise<Message[]> {
    const { Messages } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: batchSize,
        WaitTimeSeconds: waitTimeSeconds,
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
      // Aborting the long poll is what makes stop() prompt instead of waiting up to 20 s.
      { abortSignal: stopController.signal },
    );
    return Messages ?? [];
  }

  async function deleteMessages(records: readonly SQSRecord[]): Promise<void> {
    if (records.length === 0) return;
    const { Failed } = await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: records.map((r, i) => ({ Id: String(i), ReceiptHandle: r.receiptHandle })),
      }),
    );
    for (const failure of Failed ?? []) {
      log.warn('delete failed; the message will be delivered again', { entry: failure.Id, code: failure.Code });
    }
  }

  async function processBatch(
    messages: readonly Message[],
    crash: CrashState = { abandoned: false, planned: false, abandon() {} },
  ): Promise<void> {
    const records = messages.map((m) => toSqsRecord(m, queueArn, region));
    const context = createLambdaContext({
      functionName,
      timeoutSeconds,
      region,
      ...(options.memoryLimitInMB === undefined ? {} : { memoryLimitInMB: options.memoryLimitInMB }),
    });
    let result: unknown;
    try {
      result = await invokeWithTimeout(handler, { Records: records }, context, timeoutSeconds);
    } catch (error) {
      // As in Lambda: nothing is deleted; every message returns after the visibility timeout.
      log.error('handler failed; whole batch will be retried', { awsRequestId: context.awsRequestId, size: records.length, error });
      return;
    }
    // A simulated crash: the runtime that would delete these messages is gone.
    if (crash.planned) crash.abandon();
    if (crash.abandoned) return;
    const { remove, wholeBatchFailed } = messagesToDelete(records, result);
    if (wholeBatchFailed) {
      log.warn('batchItemFailures named a message not in the batch; whole batch will be retried', {
        awsRequestId: context.awsRequestId,
        size: records.length,
      });
      return;
    }
    await deleteMessages(remove);
    log.info('batch processed', { awsRequestId: context.awsRequestId, size: records.length, failed: records.length - remove.length });
  }

  async function pollLoop(): Promise<void> {
    let backoffMs = 200;
    while (!stopController.signal.aborted) {
      let messages: Message[];
      try {
        messages = await receive();
        backoffMs = 200;
      } catch (error) {
        if (stopController.signal.aborted) break;
        log.warn('ReceiveMessage failed; retrying', { retryInMs: backoffMs, error });
        await sleep(backoffMs, undefined, { signal: stopController.signal }).catch(function stoppedWhileWaiting() {});
        backoffMs = Math.min(backoffMs * 2, MAX_BACKOFF_MS);
        continue;
      }
      if (messages.length === 0) {
        if (waitTimeSeconds === 0)
          await sleep(EMPTY_SHORT_POLL_PAUSE_MS, undefined, { signal: stopController.signal }).catch(function stoppedWhileWaiting() {});
        continue;
      }
      // Messages already received are processed even if stop() was called meanwhile: they
      // are invisible to everyone else until their visibility timeout runs out.
      let resolveAbandoned = () => {};
      const abandoned = new Promise<void>((resolve) => (resolveAbandoned = resolve));
      const crash: CrashState = {
        abandoned: false,
        planned: false,
        abandon() {
          crash.abandoned = true;
          resolveAbandoned();
        },
      };
      inFlight = crash;
      if (armedCrashAfterMs !== undefined) {
        planCrash(crash, armedCrashAfterMs);
        armedCrashAfterMs = undefined;
      }
      const processing = processBatch(messages, crash).catch(function bookkeepingFailed(error: unknown) {
        log.error('batch bookkeeping failed; undeleted messages will be delivered again', { error });
      });
      await Promise.race([processing, abandoned]);
      inFlight = undefined;
      if (crash.abandoned) {
        log.warn('simulated crash: batch abandoned, nothing deleted; polling again', { size: messages.length });
        crashed.batches += 1;
        crashed.messages += messages.length;
        abandonedRuns.add(processing);
        void processing.finally(() => abandonedRuns.delete(processing));
      }
    }
  }

  // Simulated crashes (simulateCrash): the batch being handled, a crash armed for the next
  // one, and abandoned invocations still running on (awaited by stop()).
  let inFlight: CrashState | undefined;
  let armedCrashAfterMs: number | undefined;
  const abandonedRuns = new Set<Promise<void>>();
  const crashed = { batches: 0, messages: 0 };
  function planCrash(crash: CrashState, afterMs: number): void {
    crash.planned = true;
    if (afterMs <= 0) crash.abandon();
    else setTimeout(() => crash.abandon(), afterMs).unref();
  }

  const loop = pollLoop();
  log.info('polling', { queue: queueArn, batchSize, waitTimeSeconds });

  return {
    stop: async function stop() {
      stopController.abort();
      await loop;
      await Promise.allSettled([...abandonedRuns]);
      log.info('stopped');
    },
    simulateCrash: function simulateCrash(crashOptions = {}) {
      const afterMs = crashOptions.afterMs ?? 0;
      if (inFlight !== undefined) {
        planCrash(inFlight, afterMs);
        return 'IN_FLIGHT';
      }
      armedCrashAfterMs = afterMs;
      return 'ARMED';
    },
    crashes: () => ({ ...crashed }),
  };
}
