import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { type EventType, eventTypes, WebhookPayloadSchema } from '#lib/contract/return-payload.ts';
import { shopifyTopics, type ShopifyTopic, shopifyWebhookBodySchemas } from '#lib/marketplaces/shopify/body-schemas.ts';
import { shopify } from '#lib/marketplaces/shopify/index.ts';
import {
  buildSamplePayload,
  buildShopifySample,
  DEFAULT_MARKETPLACE,
  type SignedRequest,
  shopifySignedRequest,
  signedRequest,
  toCurlCommand,
  UnknownMarketplaceError,
} from './sample-webhook.ts';

/**
 * `npm run sign [-- [file.json] [--marketplace X] [--event-type T] [--topic T] [--return-id R] [--print-curl]]`
 *
 * Signs a webhook body with a development secret and either sends it to the local runtime
 * or prints a curl command. Without a file it builds a valid sample payload. With
 * `--marketplace shopify` the body is a Shopify returns webhook, signed as Shopify signs it.
 */

const usage = `Usage: npm run sign -- [body.json] [options]

  body.json            JSON body to sign as-is (default: a built-in sample payload)
  --marketplace X      marketplace whose dev secret signs it (default: ${DEFAULT_MARKETPLACE})
  --event-type T       sample only: ${eventTypes.join(' | ')} (default: return.requested)
  --topic T            shopify only: ${shopifyTopics.join(' | ')} (default: returns/request)
  --return-id R        sample only: marketplaceReturnId, or Shopify's numeric return id (default: a fresh id)
  --print-curl         print a curl command instead of sending
  -h, --help           this text

Sends to http://127.0.0.1:$PORT (PORT defaults to 3000).`;

function fail(message: string): never {
  process.stderr.write(`${message}\n\n${usage}\n`);
  process.exit(2);
}

function printIssues(title: string, issues: readonly { path: readonly PropertyKey[]; message: string }[]): void {
  process.stderr.write(`${title}\n`);
  for (const issue of issues) process.stderr.write(`  - ${issue.path.map(String).join('.') || '(root)'}: ${issue.message}\n`);
}

async function main(): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({
      allowPositionals: true,
      options: {
        marketplace: { type: 'string' },
        'event-type': { type: 'string' },
        'return-id': { type: 'string' },
        topic: { type: 'string' },
        'print-curl': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    fail((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    return;
  }
  if (positionals.length > 1) fail('Give at most one body file.');
  const file = positionals[0];
  if (values.marketplace === shopify.name) {
    if (values['event-type'] !== undefined) fail('--event-type is for the canonical format; Shopify deliveries take --topic.');
    await send(shopifyRequest(file, values.topic, values['return-id']), values['print-curl']);
    return;
  }
  if (values.topic !== undefined) fail('--topic applies to --marketplace shopify only.');
  const eventType = values['event-type'];
  if (eventType !== undefined && !(eventTypes as readonly string[]).includes(eventType)) {
    fail(`Unknown --event-type '${eventType}'.`);
  }

  let body: string;
  if (file !== undefined) {
    if (eventType !== undefined || values['return-id'] !== undefined)
      fail('--event-type and --return-id vary the built-in sample; edit the file instead.');
    body = readFileSync(file, 'utf8');
    // A file may be deliberately invalid (to try the error answers): warn, and send anyway.
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch (error) {
      process.stderr.write(`warning: ${file} is not valid JSON (${(error as Error).message}); sending it anyway\n`);
    }
    if (json !== undefined) {
      const check = WebhookPayloadSchema.safeParse(json);
      if (!check.success) printIssues(`warning: ${file} does not match the canonical payload v1; sending it anyway:`, check.error.issues);
    }
  } else {
    const payload = buildSamplePayload({
      ...(eventType === undefined ? {} : { eventType: eventType as EventType }),
      ...(values['return-id'] === undefined ? {} : { returnId: values['return-id'] }),
    });
    // The sample is ours: if it stops matching the schema, that is a bug to fix here.
    const check = WebhookPayloadSchema.safeParse(payload);
    if (!check.success) {
      printIssues('The built-in sample payload no longer matches WebhookPayloadSchema:', check.error.issues);
      process.exit(1);
    }
    body = JSON.stringify(payload);
  }

  const port = process.env.PORT ?? '3000';
  let request;
  try {
    request = signedRequest({
      baseUrl: `http://127.0.0.1:${port}`,
      body,
      ...(values.marketplace === undefined ? {} : { marketplace: values.marketplace }),
    });
  } catch (error) {
    if (error instanceof UnknownMarketplaceError) fail(error.message);
    throw error;
  }

  await send(request, values['print-curl']);
}

/** A Shopify returns webhook: the built-in sample for a topic, or a file sent as-is. */
function shopifyRequest(file: string | undefined, topicOption: string | undefined, returnId: string | undefined): SignedRequest {
  const topic = topicOption ?? 'returns/request';
  if (!(shopifyTopics as readonly string[]).includes(topic)) {
    // Any topic may be sent on purpose (to see it acknowledged and ignored), but only with a file.
    if (file === undefined) fail(`Unknown --topic '${topic}'; the built-in samples are ${shopifyTopics.join(', ')}.`);
  }
  let body: string;
  if (file !== undefined) {
    if (returnId !== undefined) fail('--return-id varies the built-in sample; edit the file instead.');
    body = readFileSync(file, 'utf8');
    const schema = shopifyWebhookBodySchemas[topic as ShopifyTopic];
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch (error) {
      process.stderr.write(`warning: ${file} is not valid JSON (${(error as Error).message}); sending it anyway\n`);
    }
    if (json !== undefined && schema !== undefined) {
      const check = schema.safeParse(json);
      if (!check.success) printIssues(`warning: ${file} does not match Shopify's ${topic} payload; sending it anyway:`, check.error.issues);
    }
  } else {
    if (returnId !== undefined && !/^[0-9]{1,15}$/.test(returnId)) fail('--return-id for Shopify is a number, e.g. 123134564567890.');
    body = JSON.stringify(buildShopifySample({ topic: topic as ShopifyTopic, ...(returnId === undefined ? {} : { returnId }) }));
  }
  return shopifySignedRequest({ baseUrl: `http://127.0.0.1:${process.env.PORT ?? '3000'}`, body, topic });
}

async function send(request: SignedRequest, printCurl: boolean): Promise<void> {
  if (printCurl) {
    process.stdout.write(`${toCurlCommand(request)}\n`);
    return;
  }

  let response: Response;
  try {
    response = await fetch(request.url, { method: request.method, headers: request.headers, body: request.body });
  } catch (error) {
    process.stderr.write(
      `Could not reach ${request.url} (${(error as Error).cause ?? (error as Error).message}). Is \`npm start\` running?\n`,
    );
    process.exit(1);
  }
  process.stdout.write(`POST ${request.url} -> ${response.status} ${response.statusText}\n${await response.text()}\n`);
  if (!response.ok) process.exitCode = 1;
}

await main();
