import { parseArgs } from 'node:util';
import { DeleteMessageCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDbNotificationOutbox } from '#lib/adapters/dynamodb-notifications.ts';
import { ConcurrentModificationError } from '#lib/contract/errors.ts';
import type { NotificationOutbox } from '#lib/ports/notifications.ts';

/**
 * Outbound notifications an operator sends again once the marketplace's receiver is fixed (#21):
 *
 *   npm run redrive-notifications -- --table <name> --dlq <DLQ url> [--max 100]
 *       each dead-lettered message: its notification (DEAD, or PENDING when the worker never got
 *       to record a try) back to the relay, then the message
 *       deleted from the DLQ; the relay hands it over again within a minute, in its case's order
 *   npm run redrive-notifications -- --table <name> --case <caseId>
 *       every DEAD or UNSUBSCRIBED notification of one case, back to PENDING
 *   npm run redrive-notifications -- --table <name> --resubscribe <marketplace>
 *       after its receiver answered 410 Gone: deliveries to it start again (replay its cases after)
 *
 * Safe to run any number of times: a replayed notification keeps its event id (the
 * receiver's idempotency key), a replay of one already PENDING or DELIVERED changes nothing,
 * and a crash between the replay and the delete leaves the DLQ message for the next run, whose
 * replay then finds it PENDING and only deletes it.
 * Works against AWS (default credential chain) and the local engines (AWS_ENDPOINT_URL_DYNAMODB,
 * AWS_ENDPOINT_URL_SQS as printed by npm start).
 */

export type RedriveNotificationsResult = { readonly replayed: number; readonly alreadyPending: number; readonly unreadable: number };

export async function redriveNotifications(input: {
  readonly sqs: SQSClient;
  readonly outbox: NotificationOutbox;
  readonly deadLetterQueueUrl: string;
  readonly max: number;
}): Promise<RedriveNotificationsResult> {
  let replayed = 0;
  let alreadyPending = 0;
  let unreadable = 0;
  while (replayed + alreadyPending + unreadable < input.max) {
    const { Messages = [] } = await input.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: input.deadLetterQueueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 60, WaitTimeSeconds: 0 }),
    );
    if (Messages.length === 0) break;
    for (const message of Messages) {
      let body: { caseId?: unknown; eventId?: unknown };
      try {
        body = JSON.parse(message.Body ?? '') as typeof body;
      } catch {
        body = {};
      }
      if (typeof body.caseId !== 'string' || typeof body.eventId !== 'string') {
        // Not ours to replay: left in the DLQ for a person.
        unreadable += 1;
        continue;
      }
      const outcome = await replayOne(input.outbox, body.caseId, body.eventId);
      if (outcome === 'REPLAYED') replayed += 1;
      else alreadyPending += 1;
      await input.sqs.send(new DeleteMessageCommand({ QueueUrl: input.deadLetterQueueUrl, ReceiptHandle: message.ReceiptHandle }));
    }
  }
  return { replayed, alreadyPending, unreadable };
}

/** Every DEAD or UNSUBSCRIBED notification of a case back to PENDING; how many. */
export async function replayCase(outbox: NotificationOutbox, caseId: string): Promise<number> {
  let replayed = 0;
  for (const stored of await outbox.forCase(caseId)) {
    if (stored.state !== 'DEAD' && stored.state !== 'UNSUBSCRIBED') continue;
    if ((await replayOne(outbox, caseId, stored.notification.eventId)) === 'REPLAYED') replayed += 1;
  }
  return replayed;
}

async function replayOne(outbox: NotificationOutbox, caseId: string, eventId: string): Promise<'REPLAYED' | 'NOTHING_TO_DO'> {
  const stored = (await outbox.forCase(caseId)).find((n) => n.notification.eventId === eventId);
  if (stored === undefined || stored.state === 'DELIVERED' || stored.state === 'NOT_SENT') return 'NOTHING_TO_DO';
  // Still PENDING and queued: its message is the one dead-lettered (the worker failed without
  // recording, e.g. it crashed every time); it goes back to the relay like a dead one.
  if (stored.state === 'PENDING' && stored.unqueued) return 'NOTHING_TO_DO';
  try {
    await outbox.replay(stored.notification, stored.state);
    return 'REPLAYED';
  } catch (error) {
    if (error instanceof ConcurrentModificationError) return 'NOTHING_TO_DO';
    throw error;
  }
}

const USAGE = `usage: npm run redrive-notifications -- --table <table name> (--dlq <notification DLQ url> [--max 100] | --case <caseId> | --resubscribe <marketplace>)`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      table: { type: 'string' },
      dlq: { type: 'string' },
      case: { type: 'string' },
      resubscribe: { type: 'string' },
      max: { type: 'string', default: '100' },
    },
  });
  const max = Number(values.max);
  const modes = [values.dlq, values.case, values.resubscribe].filter((v) => v !== undefined).length;
  if (values.table === undefined || modes !== 1 || !Number.isInteger(max) || max < 1) {
    process.stderr.write(`${USAGE}\n`);
    process.exit(2);
  }
  const dynamo = new DynamoDBClient({});
  const outbox = new DynamoDbNotificationOutbox(DynamoDBDocumentClient.from(dynamo), values.table);
  const sqs = new SQSClient(process.env.AWS_ENDPOINT_URL_SQS === undefined ? {} : { useQueueUrlAsEndpoint: false });
  try {
    if (values.resubscribe !== undefined) {
      await outbox.resubscribe(values.resubscribe);
      process.stdout.write(`${values.resubscribe} resubscribed; replay its cases with --case <caseId>\n`);
    } else if (values.case !== undefined) {
      process.stdout.write(`replayed ${await replayCase(outbox, values.case)} notification(s) of ${values.case}\n`);
    } else if (values.dlq !== undefined) {
      const r = await redriveNotifications({ sqs, outbox, deadLetterQueueUrl: values.dlq, max });
      process.stdout.write(`replayed ${r.replayed}, already pending ${r.alreadyPending}, unreadable (left in the DLQ) ${r.unreadable}\n`);
    }
  } catch (error) {
    process.stderr.write(`stopped: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}\n`);
    process.exitCode = 1;
  } finally {
    sqs.destroy();
    dynamo.destroy();
  }
}

if (import.meta.main) await main();
