import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy, { type MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, Context } from 'aws-lambda';
import { logger } from '../observability.ts';
import { toHttpError } from './error-mapping.ts';
import { PROBLEM_CONTENT_TYPE } from './problem.ts';

export type HttpResult = {
  readonly statusCode: number;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
};

export type HttpRoute = (event: APIGatewayProxyEventV2, context: Context) => Promise<HttpResult>;

const baseHeaders = {
  'content-type': 'application/json; charset=utf-8',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
};

/** The body as the client sent it; API Gateway base64-encodes bodies it takes for binary. */
export function rawBodyOf(event: APIGatewayProxyEventV2): string {
  if (event.body === undefined || event.body === null) return '';
  return event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
}

/** Sets the request id as correlation id on every log line of this invocation. */
function correlationIds(): MiddlewareObj<APIGatewayProxyEventV2, APIGatewayProxyResultV2> {
  return {
    name: 'correlationIds',
    before: function setCorrelationId(request) {
      logger.setCorrelationId(request.event.requestContext?.requestId);
    },
  };
}

/**
 * Serialises results and errors alike. Errors are problem details (RFC 9457): 4xx answers
 * carry the domain error's message and field issues; 5xx answers carry a generic detail and
 * the request id, never internals.
 */
function jsonResponses(): MiddlewareObj<APIGatewayProxyEventV2, APIGatewayProxyResultV2> {
  return {
    name: 'jsonResponses',
    after: function serialiseResult(request) {
      const result = request.response as unknown as HttpResult;
      request.response = {
        statusCode: result.statusCode,
        headers: { ...baseHeaders, ...result.headers },
        body: result.body === undefined ? '' : JSON.stringify(result.body),
      };
    },
    onError: function serialiseError(request) {
      const mapped = toHttpError(request.error);
      const requestId = request.event.requestContext?.requestId;
      if (mapped.expose) {
        logger.info('request refused', { statusCode: mapped.statusCode, errorCode: mapped.body.code });
      } else {
        logger.error('request failed', { error: request.error as Error });
      }
      const instance = request.event.rawPath;
      request.response = {
        statusCode: mapped.statusCode,
        headers: { ...baseHeaders, 'content-type': `${PROBLEM_CONTENT_TYPE}; charset=utf-8` },
        body: JSON.stringify({
          ...mapped.body,
          ...(instance === undefined ? {} : { instance }),
          ...(requestId === undefined ? {} : { requestId }),
        }),
      };
    },
  };
}

/**
 * The middleware chain every HTTP function uses: Lambda context and correlation id on the
 * logger, JSON results, and one error mapping.
 */
export function httpHandler(route: HttpRoute) {
  return middy<APIGatewayProxyEventV2, APIGatewayProxyResultV2>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(correlationIds())
    .use(jsonResponses())
    .handler(route as never);
}
