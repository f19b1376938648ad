import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { randomUUID } from 'node:crypto';
import type { ReturnV1, WebhookPayloadInput } from '#lib/contract/return-payload.ts';
import { signatureHeader } from '#lib/contract/webhook-signature.ts';

type ReturnInput = Extract<WebhookPayloadInput, { eventType: 'return.requested' }>['return'];

export const TEST_MARKETPLACE = 'test-market';
export const TEST_SECRET = 'test-secret-that-is-at-least-32-characters-long';

/** A valid canonical return: a kettle with a quality defect (CNY 399, within an agent's authority), photos of intact box and damage. */
export function aReturn(overrides: Partial<ReturnInput> = {}): ReturnInput {
  const id = randomUUID().slice(0, 8);
  return {
    marketplaceReturnId: `ret-${id}`,
    orderId: `ord-${id}`,
    sellerId: 'seller-1',
    buyerRef: `buyer-${id}`,
    reason: 'PRODUCT_QUALITY_DEFECT',
    timeline: {
      orderedAt: '2026-11-01T10:00:00Z',
      shippedAt: '2026-11-02T10:00:00Z',
      promisedDeliveryAt: '2026-11-05T18:00:00Z',
      deliveredAt: '2026-11-04T12:00:00Z',
      claimedAt: '2026-11-06T09:00:00Z',
    },
    money: { currency: 'CNY', itemValue: 39_900, amountPaid: 39_900, shippingCost: 1_200 },
    shippingRegion: 'OTHER_PROVINCE',
    carrier: { code: 'sf-express', trackingNumber: 'SF1234567890', events: [] },
    deliveryInspection: 'INSPECTED_OK',
    evidence: [
      { id: 'ev-1', kind: 'PACKAGING_PHOTO', finding: 'INTACT', submittedBy: 'BUYER', submittedAt: '2026-11-06T09:00:00Z' },
      { id: 'ev-2', kind: 'PRODUCT_PHOTO', finding: 'DEFECTIVE', submittedBy: 'BUYER', submittedAt: '2026-11-06T09:00:00Z' },
    ],
    requestedRemedy: 'RETURN_AND_REFUND',
    listing: { returnWindowDays: 30 },
    ...overrides,
  };
}

export function aWebhook(
  eventType: 'return.requested' | 'return.updated' = 'return.requested',
  ret: ReturnInput = aReturn(),
  overrides: Partial<Pick<WebhookPayloadInput, 'deliveryId' | 'occurredAt'>> = {},
): WebhookPayloadInput {
  return {
    schemaVersion: 1,
    eventType,
    deliveryId: `dlv-${randomUUID()}`,
    occurredAt: '2026-11-06T09:00:00Z',
    return: ret,
    ...overrides,
  } as WebhookPayloadInput;
}

export function aCancellation(
  ret: Pick<ReturnV1, 'marketplaceReturnId' | 'orderId' | 'sellerId'>,
  overrides: Partial<Pick<WebhookPayloadInput, 'deliveryId' | 'occurredAt'>> = {},
): WebhookPayloadInput {
  return {
    schemaVersion: 1,
    eventType: 'return.cancelled',
    deliveryId: `dlv-${randomUUID()}`,
    occurredAt: '2026-11-07T09:00:00Z',
    return: { marketplaceReturnId: ret.marketplaceReturnId, orderId: ret.orderId, sellerId: ret.sellerId },
    ...overrides,
  };
}

type ShipmentInput = Extract<WebhookPayloadInput, { eventType: 'return.shipment' }>['shipment'];

/**
 * The buyer's return parcel (`return.shipment`): by default picked up and received by the
 * seller, which releases a refund held for the goods (policy default ON_RECEIPT).
 */
export function aReturnShipment(
  ret: Pick<ReturnV1, 'marketplaceReturnId' | 'orderId' | 'sellerId'>,
  shipment: Partial<ShipmentInput> = {},
  overrides: Partial<Pick<WebhookPayloadInput, 'deliveryId' | 'occurredAt'>> = {},
): WebhookPayloadInput {
  return {
    schemaVersion: 1,
    eventType: 'return.shipment',
    deliveryId: `dlv-${randomUUID()}`,
    occurredAt: '2026-11-09T09:00:00Z',
    return: { marketplaceReturnId: ret.marketplaceReturnId, orderId: ret.orderId, sellerId: ret.sellerId },
    shipment: {
      carrier: 'sf-express',
      trackingNumber: 'SFRET0001',
      scans: [{ type: 'PICKED_UP', at: '2026-11-07T09:00:00Z' }],
      receivedAt: '2026-11-09T09:00:00Z',
      ...shipment,
    },
    ...overrides,
  };
}

/** An API Gateway HTTP API (payload 2.0) event, as the local runtime and AWS build them. */
export function httpEvent(input: {
  method?: string;
  path: string;
  routeKey?: string;
  pathParameters?: Record<string, string>;
  headers?: Record<string, string>;
  body?: string;
  queryStringParameters?: Record<string, string>;
}): APIGatewayProxyEventV2 {
  const method = input.method ?? 'GET';
  const now = Date.now();
  return {
    version: '2.0',
    routeKey: input.routeKey ?? `${method} ${input.path}`,
    rawPath: input.path,
    rawQueryString: new URLSearchParams(input.queryStringParameters ?? {}).toString(),
    headers: input.headers ?? {},
    ...(input.queryStringParameters === undefined ? {} : { queryStringParameters: input.queryStringParameters }),
    ...(input.pathParameters === undefined ? {} : { pathParameters: input.pathParameters }),
    requestContext: {
      accountId: '000000000000',
      apiId: 'test',
      domainName: 'localhost',
      domainPrefix: 'localhost',
      http: { method, path: input.path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'vitest' },
      requestId: randomUUID(),
      routeKey: input.routeKey ?? `${method} ${input.path}`,
      stage: '$default',
      time: new Date(now).toUTCString(),
      timeEpoch: now,
    },
    ...(input.body === undefined ? {} : { body: input.body }),
    isBase64Encoded: false,
  };
}

/** A signed webhook delivery event for `POST /webhooks/{marketplace}`. */
export function signedWebhookEvent(
  payload: WebhookPayloadInput | string,
  opts: { marketplace?: string; secret?: string; timestamp?: number; signature?: string | null } = {},
): APIGatewayProxyEventV2 {
  const marketplace = opts.marketplace ?? TEST_MARKETPLACE;
  const body = typeof payload === 'string' ? payload : JSON.stringify(payload);
  const timestamp = opts.timestamp ?? Math.floor(Date.now() / 1000);
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  const signature = opts.signature === undefined ? signatureHeader(opts.secret ?? TEST_SECRET, timestamp, body) : opts.signature;
  if (signature !== null) headers['x-signature'] = signature;
  return httpEvent({
    method: 'POST',
    path: `/webhooks/${marketplace}`,
    routeKey: 'POST /webhooks/{marketplace}',
    pathParameters: { marketplace },
    headers,
    body,
  });
}

export function lambdaContext(functionName = 'test-function'): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${functionName}`,
    memoryLimitInMB: '256',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'test',
    getRemainingTimeInMillis: () => 30_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
