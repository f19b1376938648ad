import { parseArgs } from 'node:util';
import { DeleteMessageCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient, type Message } from '@aws-sdk/client-sqs';

/**
 * Moves refund messages from the dead-letter queue back to the refund queue, for an
 * operator who has fixed what made them fail (the DLQ alarm fired; see README, Operations).
 *
 * Why this is safe to run at any time, any number of times: the worker pays each refund id
 * at most once (a refund already APPLIED is acknowledged, one claimed APPLYING goes on with
 * the refund id as the provider's idempotency key, one cancelled or superseded pays
 * nothing), so a redriven message can only finish what its first delivery started.
 *
 * Steps, per message: send a copy to the refund queue (same body and message group, a new
 * deduplication id), then delete it from the DLQ. A crash between the two leaves the
 * message in both queues, never in neither: nothing lost, and the worker makes the second
 * delivery a no-op.
 *
 * Works against AWS (the default credential chain) and against the local engines
 * (AWS_ENDPOINT_URL_SQS=<fauxqs endpoint printed by npm start>, any credentials). The SQS
 * console's own "Start DLQ redrive" does the same on AWS; fauxqs has no StartMessageMoveTask.
 */

export type RedriveResult = { readonly moved: number; readonly refundIds: readonly string[] };

const RECEIVE_BATCH = 10;
/** Long enough to send and delete a batch before the messages show up again in the DLQ. */
const VISIBILITY_TIMEOUT_SECONDS = 60;

export async function redriveRefunds(input: {
  readonly sqs: SQSClient;
  readonly deadLetterQueueUrl: string;
  readonly queueUrl: string;
  /** At most this many messages; the rest stay in the DLQ. */
  readonly max: number;
  /** Read and report one batch (up to 10) only: nothing is sent, deleted or hidden. */
  readonly dryRun?: boolean;
}): Promise<RedriveResult> {
  const refundIds: string[] = [];
  let moved = 0;
  while (moved < input.max) {
    const out = await input.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: input.deadLetterQueueUrl,
        MaxNumberOfMessages: Math.min(RECEIVE_BATCH, input.max - moved),
        // A dry run leaves what it read visible at once, for the real run that follows.
        VisibilityTimeout: input.dryRun === true ? 0 : VISIBILITY_TIMEOUT_SECONDS,
        WaitTimeSeconds: 0,
        MessageSystemAttributeNames: ['MessageGroupId'],
        MessageAttributeNames: ['All'],
      }),
    );
    const messages = out.Messages ?? [];
    if (messages.length === 0) break;
    for (const message of messages) {
      refundIds.push(refundIdOf(message));
      if (input.dryRun !== true) await moveOne(input, message);
      moved += 1;
    }
    if (input.dryRun === true) break;
  }
  return { moved, refundIds };
}

async function moveOne(input: { sqs: SQSClient; deadLetterQueueUrl: string; queueUrl: string }, message: Message): Promise<void> {
  const groupId = message.Attributes?.MessageGroupId;
  await input.sqs.send(
    new SendMessageCommand({
      QueueUrl: input.queueUrl,
      MessageBody: message.Body ?? '',
      ...(message.MessageAttributes === undefined ? {} : { MessageAttributes: message.MessageAttributes }),
      ...(groupId === undefined ? {} : { MessageGroupId: groupId, MessageDeduplicationId: `redrive-${message.MessageId}` }),
    }),
  );
  await input.sqs.send(new DeleteMessageCommand({ QueueUrl: input.deadLetterQueueUrl, ReceiptHandle: message.ReceiptHandle }));
}

/** The refund id of a message, for the operator's report; `unreadable` for a poison body. */
function refundIdOf(message: Message): string {
  try {
    const parsed = JSON.parse(message.Body ?? '') as { refundId?: unknown };
    return typeof parsed.refundId === 'string' ? parsed.refundId : 'unreadable';
  } catch {
    return 'unreadable';
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      from: { type: 'string' },
      to: { type: 'string' },
      max: { type: 'string', default: '100' },
      'dry-run': { type: 'boolean', default: false },
    },
  });
  const max = Number(values.max);
  if (values.from === undefined || values.to === undefined || !Number.isInteger(max) || max < 1) {
    process.stderr.write('usage: npm run redrive-refunds -- --from <DLQ url> --to <refund queue url> [--max 100] [--dry-run]\n');
    process.exit(2);
  }
  // With an endpoint override (local engines), queue URLs name a host that need not resolve
  // (fauxqs: sqs.<region>.localhost); send to the endpoint, not to the queue URL's host.
  const sqs = new SQSClient(process.env.AWS_ENDPOINT_URL_SQS === undefined ? {} : { useQueueUrlAsEndpoint: false });
  try {
    const result = await redriveRefunds({ sqs, deadLetterQueueUrl: values.from, queueUrl: values.to, max, dryRun: values['dry-run'] });
    const verb = values['dry-run'] ? 'would move' : 'moved';
    process.stdout.write(`${verb} ${result.moved} message(s)${result.refundIds.length === 0 ? '' : `: ${result.refundIds.join(', ')}`}\n`);
  } catch (error) {
    process.stderr.write(`redrive stopped: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}\n`);
    process.exitCode = 1;
  } finally {
    sqs.destroy();
  }
}

if (import.meta.main) await main();
