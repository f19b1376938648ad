import { PROBLEM_CONTENT_TYPE, type Problem, problem } from '../functions/lib/http/problem.ts';
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, STATUS_CODES, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, Context } from 'aws-lambda';
import type { LocalLogger } from './console-logger.ts';
import { createLambdaContext, DEFAULT_REGION, invokeWithTimeout, LOCAL_ACCOUNT_ID } from './lambda-context.ts';

/**
 * A local stand-in for an API Gateway HTTP API with Lambda proxy integrations (payload
 * format 2.0): it turns each request into the event API Gateway would send, invokes the real
 * handler, and maps the result back the way API Gateway does, including its error answers.
 */

/** API Gateway's payload limit; larger requests never reach the function. */
export const MAX_BODY_BYTES = 10 * 1024 * 1024;
/** API Gateway HTTP APIs give up on an integration after 30 s. */
export const DEFAULT_HTTP_TIMEOUT_SECONDS = 30;
const API_ID = 'local';

export type HttpHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyResultV2<unknown>>;

export type HttpRoute = {
  /** An HTTP method, or ANY. */
  method: string;
  /** Route path as API Gateway writes it: `/cases/{id}`, `/files/{proxy+}`. */
  path: string;
  functionName: string;
  handler: HttpHandler;
  /** @default DEFAULT_HTTP_TIMEOUT_SECONDS */
  timeoutSeconds?: number;
  memoryLimitInMB?: number;
  /**
   * `jwt`: a bearer token is verified (HttpGatewayOptions.jwtAuthorizer) before the function
   * runs, as API Gateway's JWT authorizer does: 401 without invoking it when the token is
   * missing, malformed, expired or wrongly signed; otherwise its claims are passed in
   * `requestContext.authorizer.jwt.claims`. @default no authorizer
   */
  auth?: 'jwt';
};

/** Verifies a bearer token; resolves with its claims as API Gateway renders them, throws if invalid. */
export type JwtAuthorizer = (token: string) => Promise<Record<string, string>>;

export type PlainResponse = { status: number; headers?: Record<string, string>; body: string | Buffer };

/**
 * A local-only route that is not a Lambda function (a fake payment provider, a debug page):
 * it sees the raw request and answers directly.
 */
export type ExtraRoute = {
  method: string;
  path: string;
  handle(request: {
    method: string;
    rawPath: string;
    pathParameters: Record<string, string>;
    query: URLSearchParams;
    headers: Record<string, string>;
    body: Buffer;
  }): Promise<PlainResponse>;
};

export type HealthReport = { status: 200 | 503; body: unknown };

export type HttpGatewayOptions = {
  log: LocalLogger;
  /** Answers GET /health; the runtime reports on its engines here. */
  health?: () => Promise<HealthReport>;
  extraRoutes?: readonly ExtraRoute[];
  /** @default DEFAULT_REGION */
  region?: string;
  /** Required when any route has `auth: 'jwt'`. */
  jwtAuthorizer?: JwtAuthorizer;
};

/**
 * The JWT authorizer's refusal, before and without calling the function. A problem (RFC 9457)
 * like every other refusal here, keeping the `message` member API Gateway's own answer has
 * (`{"message":"Unauthorized"}`; see docs/seller-api.md), so a client reading either works.
 */
const UNAUTHORIZED = (description: string, requestId: string, instance: string): GatewayResponse => ({
  ...problemResponse(problem(401, 'UNAUTHORIZED', `A valid staff bearer token is required: ${description}`, { requestId, instance }), {
    message: 'Unauthorized',
  }),
  headers: { 'content-type': PROBLEM_CONTENT_TYPE, 'www-authenticate': `Bearer error="invalid_token", error_description="${description}"` },
});

/** The bearer token of an Authorization header, or a reason why there is none. */
function bearerToken(header: string | undefined): { token: string } | { problem: string } {
  if (header === undefined || header.trim() === '') return { problem: 'no bearer token' };
  const match = /^Bearer\s+([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)\s*$/i.exec(header);
  return match?.[1] === undefined ? { problem: 'malformed bearer token' } : { token: match[1] };
}

export type HttpGateway = {
  /** Resolves with the port actually bound (useful with port 0). */
  listen(port: number, host: string): Promise<number>;
  /** Stops accepting, lets in-flight requests finish (up to a few seconds), then closes. */
  close(): Promise<void>;
};

type CompiledPath = { regex: RegExp; names: string[] };

/** The route key and path of API Gateway's catch-all route. */
const DEFAULT_ROUTE = '$default';

/** `{name}` matches one segment, `{name+}` the rest of the path, as in API Gateway. */
function compilePath(path: string): CompiledPath {
  const names: string[] = [];
  const pattern = path
    .split('/')
    .map(function segmentPattern(segment) {
      const greedy = /^\{([A-Za-z0-9_]+)\+\}$/.exec(segment);
      if (greedy !== null) {
        names.push(greedy[1] ?? '');
        return '(.+)';
      }
      const single = /^\{([A-Za-z0-9_]+)\}$/.exec(segment);
      if (single !== null) {
        names.push(single[1] ?? '');
        return '([^/]+)';
      }
      return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('/');
  return { regex: new RegExp(`^${pattern}$`), names };
}

function matchPath(compiled: CompiledPath, rawPath: string): Record<string, string> | undefined {
  const match = compiled.regex.exec(rawPath);
  if (match === null) return undefined;
  const parameters: Record<string, string> = {};
  compiled.names.forEach(function collectParameter(name, i) {
    const raw = match[i + 1] ?? '';
    try {
      parameters[name] = decodeURIComponent(raw);
    } catch {
      parameters[name] = raw;
    }
  });
  return parameters;
}

/**
 * API Gateway passes text-like bodies as UTF-8 strings and base64-encodes everything else
 * (including a body sent without a content type).
 */
export function isTextContentType(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  const type = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  return type.startsWith('text/') || /(^|[/+])(json|xml)$/.test(type) || type === 'application/javascript';
}

/** Header names lowercased, repeated headers comma-joined, cookies split out, as API Gateway does. */
function collectHeaders(rawHeaders: readonly string[]): { headers: Record<string, string>; cookies: string[] } {
  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = (rawHeaders[i] ?? '').toLowerCase();
    const value = rawHeaders[i + 1] ?? '';
    if (name === 'cookie') {
      cookies.push(
        ...value
          .split(';')
          .map((c) => c.trim())
          .filter((c) => c !== ''),
      );
      continue;
    }
    headers[name] = headers[name] === undefined ? value : `${headers[name]},${value}`;
  }
  return { headers, cookies };
}

/** Repeated query keys are comma-joined in queryStringParameters, as API Gateway does. */
function collectQuery(rawQueryString: string): Record<string, string> | undefined {
  if (rawQueryString === '') return undefined;
  const result: Record<string, string> = {};
  for (const [key, value] of new URLSearchParams(rawQueryString)) {
    result[key] = result[key] === undefined ? value : `${result[key]},${value}`;
  }
  return result;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** requestContext.time uses the CLF format: `12/Mar/2026:19:03:58 +0000`. */
function clfTime(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(date.getUTCDate())}/${MONTHS[date.getUTCMonth()]}/${date.getUTCFullYear()}:${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`;
}

function traceId(now: Date): string {
  return `Root=1-${Math.floor(now.getTime() / 1000).toString(16)}-${randomBytes(12).toString('hex')}`;
}

class PayloadTooLargeError extends Error {
  override readonly name = 'PayloadTooLargeError';
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const declared = Number(request.headers['content-length'] ?? '0');
  if (declared > MAX_BODY_BYTES) throw new PayloadTooLargeError(`declared ${declared} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new PayloadTooLargeError(`more than ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

export type BuildEventInput = {
  request: IncomingMessage;
  routeKey: string;
  rawPath: string;
  rawQueryString: string;
  pathParameters: Record<string, string>;
  body: Buffer;
  localPort: number;
  now?: Date;
};

/** The API Gateway HTTP API payload format 2.0 event for one request. */
export function buildHttpApiEvent(input: BuildEventInput): APIGatewayProxyEventV2 {
  const { request, body } = input;
  const now = input.now ?? new Date();
  const { headers, cookies } = collectHeaders(request.rawHeaders);
  const sourceIp = (request.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, '');
  const domainName = headers.host ?? `127.0.0.1:${input.localPort}`;
  // Headers API Gateway itself adds in front of the integration.
  headers['x-forwarded-for'] = headers['x-forwarded-for'] === undefined ? sourceIp : `${headers['x-forwarded-for']}, ${sourceIp}`;
  headers['x-forwarded-port'] = String(input.localPort);
  headers['x-forwarded-proto'] = 'http';
  headers['x-amzn-trace-id'] ??= traceId(now);
  const text = isTextContentType(headers['content-type']);
  const hasBody = body.length > 0;
  const event: APIGatewayProxyEventV2 = {
    version: '2.0',
    routeKey: input.routeKey,
    rawPath: input.rawPath,
    rawQueryString: input.rawQueryString,
    headers,
    requestContext: {
      accountId: LOCAL_ACCOUNT_ID,
      apiId: API_ID,
      domainName,
      domainPrefix: domainName.split('.')[0]?.split(':')[0] ?? domainName,
      http: {
        method: request.method ?? 'GET',
        path: input.rawPath,
        protocol: `HTTP/${request.httpVersion}`,
        sourceIp,
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: newRequestId(),
      routeKey: input.routeKey,
      stage: '$default',
      time: clfTime(now),
      timeEpoch: now.getTime(),
    },
    isBase64Encoded: hasBody && !text,
  };
  if (cookies.length > 0) event.cookies = cookies;
  const query = collectQuery(input.rawQueryString);
  if (query !== undefined) event.queryStringParameters = query;
  if (Object.keys(input.pathParameters).length > 0) event.pathParameters = input.pathParameters;
  if (hasBody) event.body = text ? body.toString('utf8') : body.toString('base64');
  return event;
}

export type GatewayResponse = { statusCode: number; headers: Record<string, string>; cookies: string[]; body: Buffer };

/** A function that failed or answered nonsense: the cause stays in the log. */
const INTERNAL_ERROR = (requestId?: string): GatewayResponse =>
  problemResponse(problem(500, 'INTERNAL_ERROR', 'The function failed; the request id leads to its log line.', { requestId }), {
    message: 'Internal Server Error',
  });

/**
 * Maps a function result the way API Gateway interprets payload format 2.0: an object with
 * `statusCode` is a structured response; anything else is a 200 JSON body (strings as they
 * are, everything else serialised). An impossible status code is API Gateway's 500.
 */
export function toGatewayResponse(result: unknown): GatewayResponse {
  if (typeof result === 'object' && result !== null && 'statusCode' in result) {
    const structured = result as { statusCode?: unknown; headers?: unknown; body?: unknown; isBase64Encoded?: unknown; cookies?: unknown };
    const status = structured.statusCode;
    if (typeof status !== 'number' || !Number.isInteger(status) || status < 100 || status > 599) return INTERNAL_ERROR();
    const headers: Record<string, string> = {};
    if (typeof structured.headers === 'object' && structured.headers !== null) {
      for (const [name, value] of Object.entries(structured.headers)) headers[name.toLowerCase()] = String(value);
    }
    const cookies = Array.isArray(structured.cookies) ? structured.cookies.map(String) : [];
    const rawBody = typeof structured.body === 'string' ? structured.body : '';
    const body = structured.isBase64Encoded === true ? Buffer.from(rawBody, 'base64') : Buffer.from(rawBody, 'utf8');
    return { statusCode: status, headers, cookies, body };
  }
  const body = typeof result === 'string' ? result : JSON.stringify(result ?? null);
  return { statusCode: 200, headers: { 'content-type': 'application/json' }, cookies: [], body: Buffer.from(body, 'utf8') };
}

function writeResponse(response: ServerResponse, answer: GatewayResponse, requestId?: string): void {
  const headers: Record<string, string | string[]> = { ...answer.headers };
  if (answer.cookies.length > 0) headers['set-cookie'] = answer.cookies;
  if (requestId !== undefined) headers['apigw-requestid'] = requestId;
  headers['content-length'] = String(answer.body.length);
  response.writeHead(answer.statusCode, headers);
  response.end(answer.body);
}

function jsonResponse(statusCode: number, body: unknown): GatewayResponse {
  return { statusCode, headers: { 'content-type': 'application/json' }, cookies: [], body: Buffer.from(JSON.stringify(body)) };
}

/** API Gateway's ids look like 'JKJaXmPLvHcESHA='; the shape is what matters to log readers. */
function newRequestId(): string {
  return randomBytes(10).toString('base64');
}

function problemResponse(body: Problem, extra: Record<string, string> = {}): GatewayResponse {
  return {
    statusCode: body.status,
    headers: { 'content-type': PROBLEM_CONTENT_TYPE },
    cookies: [],
    body: Buffer.from(JSON.stringify({ ...body, ...extra })),
  };
}

/** The gateway's own refusals: a problem like the handlers', with the request id the client sees. */
function refusal(statusCode: number, code: string, message: string, requestId: string, instance?: string): GatewayResponse {
  return problemResponse(problem(statusCode, code, message, { requestId, instance }));
}

/** Parser errors that mean the client went away mid-request: there is nobody left to answer. */
const CLIENT_GONE = new Set(['ECONNRESET', 'EPIPE', 'HPE_INVALID_EOF_STATE']);

/**
 * What to answer when Node's HTTP parser refuses a request before the gateway sees it whole
 * (the server's `clientError`): the status Node itself would send, with the gateway's JSON
 * error body instead of Node's empty one.
 */
function parserRefusal(error: NodeJS.ErrnoException & { reason?: unknown }): { statusCode: number; code: string; message: string } {
  switch (error.code) {
    case 'HPE_HEADER_OVERFLOW':
      return { statusCode: 431, code: 'REQUEST_HEADER_FIELDS_TOO_LARGE', message: 'The request headers are too large' };
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return { statusCode: 413, code: 'PAYLOAD_TOO_LARGE', message: 'The chunk extensions of the request body are too large' };
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return { statusCode: 408, code: 'REQUEST_TIMEOUT', message: 'The request was not received in time' };
    default: {
      // Node's reason names the problem ("Invalid character in chunk size"); it holds no request data.
      const reason = typeof error.reason === 'string' && error.reason !== '' ? `: ${error.reason}` : '';
      return { statusCode: 400, code: 'MALFORMED_REQUEST', message: `The request is not well-formed HTTP/1.1${reason}` };
    }
  }
}

/** A whole HTTP/1.1 response as bytes, for a socket that has no ServerResponse to write with. */
function rawHttpResponse(answer: GatewayResponse, requestId: string): Buffer {
  const head = [
    `HTTP/1.1 ${answer.statusCode} ${STATUS_CODES[answer.statusCode] ?? ''}`,
    ...Object.entries(answer.headers).map(([name, value]) => `${name}: ${value}`),
    `apigw-requestid: ${requestId}`,
    `content-length: ${answer.body.length}`,
    'connection: close',
    '',
    '',
  ].join('\r\n');
  return Buffer.concat([Buffer.from(head, 'latin1'), answer.body]);
}

/** The body stream failed because the connection closed under it. */
function isClientAbort(request: IncomingMessage, error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return request.destroyed && (code === 'ECONNRESET' || code === 'ERR_STREAM_PREMATURE_CLOSE');
}

export function createHttpGateway(routes: readonly HttpRoute[], options: HttpGatewayOptions): HttpGateway {
  const unguarded = routes.find((r) => r.auth === 'jwt' && options.jwtAuthorizer === undefined);
  if (unguarded !== undefined) {
    throw new Error(`Route ${unguarded.method} ${unguarded.path} needs a JWT authorizer (options.jwtAuthorizer)`);
  }
  const log = options.log;
  const region = options.region ?? DEFAULT_REGION;
  // API Gateway's `$default` route takes what no other route matches, so it is tried last.
  const compiled = routes
    .map((route) =>
      route.path === DEFAULT_ROUTE
        ? { route, path: { regex: /^/, names: [] }, routeKey: DEFAULT_ROUTE }
        : { route, path: compilePath(route.path), routeKey: `${route.method.toUpperCase()} ${route.path}` },
    )
    .sort((a, b) => Number(a.route.path === DEFAULT_ROUTE) - Number(b.route.path === DEFAULT_ROUTE));
  const extras = (options.extraRoutes ?? []).map((route) => ({ route, path: compilePath(route.path) }));
  let boundPort = 0;
  const inFlight = new Set<Promise<void>>();
  /** The request each connection is busy with, so a parser refusal can name it. */
  const requestOnSocket = new WeakMap<Duplex, { request: IncomingMessage; response: ServerResponse; method: string; rawPath: string }>();
  /** Requests whose connection onClientError already answered or found gone, and logged. */
  const settledByParser = new WeakSet<IncomingMessage>();

  function methodMatches(routeMethod: string, method: string): boolean {
    const wanted = routeMethod.toUpperCase();
    return wanted === 'ANY' || wanted === method;
  }

  async function handleRequest(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const startedAt = Date.now();
    const method = (request.method ?? 'GET').toUpperCase();
    const url = request.url ?? '/';
    const queryAt = url.indexOf('?');
    const rawPath = queryAt === -1 ? url : url.slice(0, queryAt);
    const rawQueryString = queryAt === -1 ? '' : url.slice(queryAt + 1);

    function finish(status: number, functionName?: string, requestId?: string): void {
      log.info(`${method} ${rawPath} -> ${status}`, { function: functionName, requestId, ms: Date.now() - startedAt });
    }

    try {
      // Node would refuse this itself with an empty 400 (requireHostHeader); answered here
      // so the refusal has the JSON body every other one has.
      if (request.httpVersion === '1.1' && request.headers.host === undefined) {
        const requestId = newRequestId();
        writeResponse(response, refusal(400, 'MALFORMED_REQUEST', 'An HTTP/1.1 request needs a Host header', requestId), requestId);
        return finish(400, undefined, requestId);
      }

      if (method === 'GET' && rawPath === '/health' && options.health !== undefined) {
        const report = await options.health();
        writeResponse(response, jsonResponse(report.status, report.body));
        return finish(report.status);
      }

      // Reading the body first mirrors API Gateway: an oversized request is refused before
      // any routing or invocation happens.
      const body = await readBody(request);

      for (const { route, path } of extras) {
        const parameters = methodMatches(route.method, method) ? matchPath(path, rawPath) : undefined;
        if (parameters === undefined) continue;
        const { headers } = collectHeaders(request.rawHeaders);
        const plain = await route.handle({
          method,
          rawPath,
          pathParameters: parameters,
          query: new URLSearchParams(rawQueryString),
          headers,
          body,
        });
        const buffer = typeof plain.body === 'string' ? Buffer.from(plain.body) : plain.body;
        writeResponse(response, { statusCode: plain.status, headers: plain.headers ?? {}, cookies: [], body: buffer });
        return finish(plain.status);
      }

      for (const { route, path, routeKey } of compiled) {
        const parameters = methodMatches(route.method, method) ? matchPath(path, rawPath) : undefined;
        if (parameters === undefined) continue;
        const event = buildHttpApiEvent({
          request,
          routeKey,
          rawPath,
          rawQueryString,
          pathParameters: parameters,
          body,
          localPort: boundPort,
        });
        if (route.auth === 'jwt' && options.jwtAuthorizer !== undefined) {
          const bearer = bearerToken(event.headers.authorization);
          let claims: Record<string, string> | undefined;
          if ('token' in bearer) {
            claims = await options.jwtAuthorizer(bearer.token).catch(function refuse(error: unknown) {
              log.info('token refused', { function: route.functionName, reason: (error as Error).message });
              return undefined;
            });
          }
          if (claims === undefined) {
            writeResponse(
              response,
              UNAUTHORIZED(
                'problem' in bearer ? bearer.problem : 'the token is invalid or expired',
                event.requestContext.requestId,
                rawPath,
              ),
              event.requestContext.requestId,
            );
            return finish(401, route.functionName, event.requestContext.requestId);
          }
          const scopes = claims.scope === undefined ? [] : claims.scope.split(' ');
          Object.assign(event.requestContext, { authorizer: { principalId: '', integrationLatency: 0, jwt: { claims, scopes } } });
        }
        const timeoutSeconds = route.timeoutSeconds ?? DEFAULT_HTTP_TIMEOUT_SECONDS;
        const context = createLambdaContext({
          functionName: route.functionName,
          timeoutSeconds,
          region,
          ...(route.memoryLimitInMB === undefined ? {} : { memoryLimitInMB: route.memoryLimitInMB }),
        });
        let answer: GatewayResponse;
        try {
          answer = toGatewayResponse(await invokeWithTimeout(route.handler, event, context, timeoutSeconds));
        } catch (error) {
          // API Gateway hides the cause from the caller; the developer sees it here.
          log.error('handler failed', {
            function: route.functionName,
            requestId: event.requestContext.requestId,
            awsRequestId: context.awsRequestId,
            error,
          });
          answer = INTERNAL_ERROR(event.requestContext.requestId);
        }
        writeResponse(response, answer, event.requestContext.requestId);
        // The id the client sees (apigw-requestid, requestId in error bodies), so its line can be found.
        return finish(answer.statusCode, route.functionName, event.requestContext.requestId);
      }

      const requestId = newRequestId();
      writeResponse(response, refusal(404, 'ROUTE_NOT_FOUND', `No route for ${method} ${rawPath}`, requestId, rawPath), requestId);
      return finish(404, undefined, requestId);
    } catch (error) {
      // The parser refused the rest of this request (say, a malformed chunk) and the
      // connection has been answered and closed; the body read failed because of that.
      if (settledByParser.has(request)) return;
      if (isClientAbort(request, error)) {
        // The client's doing, not ours: no answer is possible and no 500 is logged.
        log.info(`${method} ${rawPath} -> client closed the connection mid-request`, { ms: Date.now() - startedAt });
        return;
      }
      if (error instanceof PayloadTooLargeError) {
        // Close the connection: the rest of an oversized upload is not worth reading.
        response.setHeader('connection', 'close');
        const requestId = newRequestId();
        writeResponse(
          response,
          problemResponse(
            problem(413, 'PAYLOAD_TOO_LARGE', 'The request body is larger than the gateway accepts', { requestId, instance: rawPath }),
            { message: 'Request Entity Too Large' },
          ),
          requestId,
        );
        response.once('finish', function dropConnection() {
          request.destroy();
        });
        return finish(413);
      }
      log.error('gateway failed', { method, path: rawPath, error });
      if (!response.headersSent) writeResponse(response, INTERNAL_ERROR());
      else response.destroy();
      return finish(500);
    }
  }

  /**
   * Node's parser refused a request (headers too large, a malformed chunked body, a request
   * timeout) or the client vanished mid-request. Node would answer with an empty body; the
   * gateway answers like every other refusal, a JSON error body with a request id, and closes
   * the connection, since the rest of the byte stream cannot be trusted. A client that went
   * away is logged as such, never as a failure of ours.
   */
  function onClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
    const current = requestOnSocket.get(socket);
    if (current !== undefined) settledByParser.add(current.request);
    const what = current === undefined ? 'request' : `${current.method} ${current.rawPath}`;
    if (CLIENT_GONE.has(error.code ?? '') || !socket.writable) {
      log.info(`${what} -> client closed the connection mid-request`, { code: error.code });
      socket.destroy();
      return;
    }
    if (current?.response.headersSent === true) {
      // An answer is already on the wire; a second one would corrupt it.
      log.warn(`${what} -> connection dropped after a malformed request`, { code: error.code });
      socket.destroy();
      return;
    }
    const refused = parserRefusal(error);
    const requestId = newRequestId();
    socket.end(
      rawHttpResponse(refusal(refused.statusCode, refused.code, refused.message, requestId), requestId),
      function closeAfterAnswer() {
        socket.destroy();
      },
    );
    log.info(`${what} -> ${refused.statusCode}`, { requestId, code: error.code });
  }

  /** `Expect:` other than 100-continue: Node's own answer is an empty 417. */
  function onUnmetExpectation(request: IncomingMessage, response: ServerResponse): void {
    const requestId = newRequestId();
    response.setHeader('connection', 'close');
    writeResponse(response, refusal(417, 'EXPECTATION_FAILED', 'Only Expect: 100-continue is supported', requestId), requestId);
    log.info(`${(request.method ?? 'GET').toUpperCase()} ${(request.url ?? '/').split('?')[0]} -> 417`, { requestId });
  }

  const server = createServer({ requireHostHeader: false }, function onRequest(request, response) {
    const queryAt = (request.url ?? '/').indexOf('?');
    const rawPath = queryAt === -1 ? (request.url ?? '/') : (request.url ?? '/').slice(0, queryAt);
    requestOnSocket.set(request.socket, { request, response, method: (request.method ?? 'GET').toUpperCase(), rawPath });
    const handling = handleRequest(request, response).finally(function forget() {
      inFlight.delete(handling);
      if (requestOnSocket.get(request.socket)?.request === request) requestOnSocket.delete(request.socket);
    });
    inFlight.add(handling);
  });
  server.on('clientError', onClientError);
  server.on('checkExpectation', onUnmetExpectation);
  // Mirrors API Gateway's 30 s cap from the client's side too.
  server.requestTimeout = (DEFAULT_HTTP_TIMEOUT_SECONDS + 5) * 1000;

  return {
    listen: function listen(port, host) {
      return new Promise<number>(function startListening(resolve, reject) {
        // The caller knows which setting chose the port, so it words the EADDRINUSE message.
        function onError(error: NodeJS.ErrnoException): void {
          reject(error);
        }
        server.once('error', onError);
        server.listen(port, host, function onListening() {
          server.off('error', onError);
          boundPort = (server.address() as AddressInfo).port;
          resolve(boundPort);
        });
      });
    },
    close: async function close() {
      if (!server.listening) return;
      const closed = new Promise<void>(function waitForClose(resolve) {
        server.close(function onClosed() {
          resolve();
        });
      });
      server.closeIdleConnections();
      // Let requests already inside a handler finish, but not forever.
      await Promise.race([Promise.allSettled([...inFlight]), new Promise((resolve) => setTimeout(resolve, 5_000).unref())]);
      server.closeAllConnections();
      await closed;
    },
  };
}
