import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy, { type MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, Context } from 'aws-lambda';
import { logger } from '../observability.ts';
import { tracer } from '../tracing.ts';
import { toHttpError } from './error-mapping.ts';
import { PROBLEM_CONTENT_TYPE } from './problem.ts';

export type HttpResult = {
  readonly statusCode: number;
  readonly body?: unknown;
  /** A body sent as it is (e.g. CSV), instead of `body` as JSON; set its content-type in `headers`. */
  readonly text?: string;
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
        body: result.text ?? (result.body === undefined ? '' : JSON.stringify(result.body)),
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
 * The middleware chain every HTTP function uses: an X-Ray subsegment for the handler (no
 * response body in it: answers can carry case data), Lambda context and correlation id on the
 * logger, JSON results, and one error mapping.
 *
 * The correlation id is Powertools Logger's own (`correlation_id` on every line), set from the
 * API Gateway request id, which is also echoed as `requestId` in 5xx problem answers. It is
 * set here rather than with `correlationIdPath`: that option needs a JMESPath engine
 * (`@aws-lambda-powertools/jmespath`) in every bundle to read one fixed field.
 */
export function httpHandler(route: HttpRoute) {
  return middy<APIGatewayProxyEventV2, APIGatewayProxyResultV2>()
    .use(captureLambdaHandler(tracer, { captureResponse: false }))
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(jsonResponses())
    .handler(async function withCorrelationId(event: APIGatewayProxyEventV2, context: Context) {
      logger.setCorrelationId(event.requestContext?.requestId);
      return route(event, context);
    } as never);
}
