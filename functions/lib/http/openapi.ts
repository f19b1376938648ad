import * as z from 'zod/mini';
import { OutboundEventSchema, outboundEventTypes } from '../contract/outbound-events.ts';
import { DecisionSchema } from '../decision/decision-schema.ts';
import {
  commandExportOf,
  type FunctionSpec,
  type StaffCommandSpec,
  type HttpFunctionName,
  functionManifest,
  httpRoutes,
} from '../../manifest.ts';
import * as staffCommands from '../use-cases/staff-commands.ts';
import { claimNames } from '../contract/staff-claims.ts';
import { CancellationSchema, EvidenceSchema, ReturnSchema } from '../contract/return-payload.ts';
import { StaffEvidenceSchema } from '../workflow/staff-actions.ts';
import {
  ActorSchema,
  RecoveryReportQuerySchema,
  RecoveryReportResponseSchema,
  CaseDetailResponseSchema,
  CaseHistoryQuerySchema,
  CaseHistoryResponseSchema,
  CaseListResponseSchema,
  CaseSummarySchema,
  CaseViewSchema,
  ErrorResponseSchema,
  GatewayErrorSchema,
  HistoryEventSchema,
  LedgerLineSchema,
  ListCasesQuerySchema,
  ReadableTraceEntrySchema,
  RefundRecordSchema,
  StaffResolutionSchema,
  StaffWriteResponseSchema,
  WebhookAcceptedSchema,
} from './seller-api-schemas.ts';
import { webhookBodyParts, webhookBodySchemas } from './webhook-body-schemas.ts';

/**
 * The OpenAPI 3.1 document, generated from the zod schemas the handlers validate with, so
 * the published contract cannot drift from the code. `npm run openapi` writes it to
 * openapi.json; a test fails when the committed file is stale; `GET /openapi.json` serves it.
 */

type JsonObject = Record<string, unknown>;
type Registry = ReturnType<typeof z.registry<{ id: string }>>;

/** Responses are described as the server writes them (defaults applied) ... */
function responseComponents(): Registry {
  const r = z.registry<{ id: string }>();
  const entries: [z.ZodMiniType, string][] = [
    [CaseDetailResponseSchema, 'CaseDetail'],
    [CaseHistoryResponseSchema, 'CaseHistory'],
    [CaseViewSchema, 'Case'],
    [CaseListResponseSchema, 'CaseList'],
    [RecoveryReportResponseSchema, 'RecoveryReport'],
    [CaseSummarySchema, 'CaseSummary'],
    [StaffWriteResponseSchema, 'StaffWriteResult'],
    [HistoryEventSchema, 'HistoryEvent'],
    [ActorSchema, 'Actor'],
    [LedgerLineSchema, 'LedgerLine'],
    [RefundRecordSchema, 'RefundRecord'],
    [StaffResolutionSchema, 'StaffResolution'],
    [ReadableTraceEntrySchema, 'ReadableTraceEntry'],
    [DecisionSchema, 'Decision'],
    [ReturnSchema, 'Return'],
    [EvidenceSchema, 'Evidence'],
    [WebhookAcceptedSchema, 'WebhookAccepted'],
    [ErrorResponseSchema, 'Error'],
    [OutboundEventSchema, 'OutboundEvent'],
    [GatewayErrorSchema, 'GatewayError'],
  ];
  for (const [schema, id] of entries) r.add(schema, { id });
  return r;
}

/** ... requests as clients may send them (defaults optional). */
function requestComponents(): Registry {
  const r = z.registry<{ id: string }>();
  // Each staff write's body, under the component name its manifest entry gives it.
  const entries: [z.ZodMiniType, string][] = staffWriteSpecs().flatMap(({ spec, command }) => [
    [commandOf(spec.name).body as z.ZodMiniType, command.body],
  ]);
  entries.push([StaffEvidenceSchema, 'StaffEvidence']);
  for (const [schema, id] of entries) r.add(schema, { id });
  // Parts of the webhook bodies that more than one body or branch uses: one component each,
  // referenced, never inlined twice. Request forms: defaults are optional here.
  const shared: [z.ZodMiniType, string][] = [
    [ReturnSchema, 'ReturnInput'],
    [EvidenceSchema, 'EvidenceInput'],
    [CancellationSchema, 'Cancellation'],
    ...webhookBodyParts.map((part): [z.ZodMiniType, string] => [part.schema, part.name]),
  ];
  for (const [schema, id] of shared) r.add(schema, { id });
  for (const format of webhookBodySchemas) r.add(format.schema, { id: format.name });
  return r;
}

const ref = (id: string) => ({ $ref: `#/components/schemas/${id}` });

/** JSON Schema → OpenAPI 3.1 component: the dialect is the document's, ids are the keys. */
function clean(schema: unknown): JsonObject {
  const { $schema: _s, $id: _i, ...rest } = schema as JsonObject;
  return rest;
}

function componentSchemas(): JsonObject {
  const uri = (id: string) => `#/components/schemas/${id}`;
  const out = z.toJSONSchema(responseComponents(), { io: 'output', uri }).schemas;
  const input = z.toJSONSchema(requestComponents(), { io: 'input', uri }).schemas;
  const all: JsonObject = {};
  for (const [id, schema] of Object.entries(out)) all[id] = clean(schema);
  // A request component that reads exactly like a response component (no defaults differ) is
  // the same schema: one component, referenced from both sides.
  const sameAs = new Map<string, string>();
  for (const [id, schema] of Object.entries(input)) {
    if (id in all) throw new Error(`Two API schemas share the component name ${id}`);
    const text = JSON.stringify(clean(schema));
    const twin = Object.keys(out).find((o) => JSON.stringify(all[o]) === text);
    if (twin !== undefined) sameAs.set(uri(id), uri(twin));
    else all[id] = clean(schema);
  }
  if (sameAs.size > 0) {
    const rewritten = JSON.stringify(all).replace(/"\$ref":"([^"]+)"/g, (m, target: string) =>
      sameAs.has(target) ? `"$ref":"${sameAs.get(target)}"` : m,
    );
    Object.assign(all, JSON.parse(rewritten) as JsonObject);
  }
  // A webhook format's own description (and who sends it) heads its component.
  for (const format of webhookBodySchemas) {
    const sentBy = format.marketplaces === undefined ? 'any marketplace' : format.marketplaces.join(', ');
    all[format.name] = { ...(all[format.name] as JsonObject), description: `${format.description} Sent by: ${sentBy}.` };
  }
  return Object.fromEntries(Object.entries(all).sort(([a], [b]) => a.localeCompare(b)));
}

const errorStatuses: Readonly<Record<number, string>> = {
  400: 'Invalid path, query, header or body; `issues` names each field and its problem',
  401: 'Missing, malformed, expired or wrongly signed token (answered by the gateway as `{"message":"Unauthorized"}`)',
  403: 'The token does not identify seller staff, the role may not do this, or the refund exceeds the role’s authority (the message names the limit)',
  404: 'No such case for your seller (another seller’s case answers the same)',
  409: 'Not allowed in the case’s current status',
  412: 'If-Match is not the current case version: read the case again',
  413: 'Body too large',
  415: 'Content-Type is not application/json',
  428: 'If-Match is required',
  429: 'Throttled by the API stage (answered by the gateway as `{"message":"Too Many Requests"}`); retry with backoff',
  500: 'Something failed on the server; the body carries only a request id',
};

/** Each error status once, in components.responses; operations refer to it. */
function errorResponseComponents(): JsonObject {
  const responses: JsonObject = {};
  for (const [status, description] of Object.entries(errorStatuses)) {
    const schema =
      status === '401' ? { oneOf: [ref('GatewayError'), ref('Error')] } : status === '429' ? ref('GatewayError') : ref('Error');
    // Our own refusals are problems (application/problem+json); API Gateway's own answers in
    // AWS (authorizer 401, throttle 429) keep its `{"message"}` as application/json.
    const content =
      status === '429'
        ? { 'application/json': { schema } }
        : status === '401'
          ? { 'application/problem+json': { schema: ref('Error') }, 'application/json': { schema: ref('GatewayError') } }
          : { 'application/problem+json': { schema } };
    responses[`Error${status}`] = { description, content };
  }
  return responses;
}

function errorResponses(statuses: readonly number[], overrides: Readonly<Record<number, JsonObject>> = {}): JsonObject {
  const responses: JsonObject = {};
  // Every route sits behind the stage's throttle.
  for (const status of [...new Set([...statuses, 429])].sort((a, b) => a - b)) {
    if (errorStatuses[status] === undefined) throw new Error(`No description for error status ${status}`);
    responses[String(status)] = overrides[status] ?? { $ref: `#/components/responses/Error${status}` };
  }
  return responses;
}

const parameterComponents = {
  CaseId: {
    name: 'id',
    in: 'path',
    required: true,
    description: 'Case id',
    schema: { type: 'string', pattern: '^cs_[0-9a-f]{24}$' },
  },
  IfMatch: {
    name: 'If-Match',
    in: 'header',
    required: true,
    description: 'The case ETag (its version) as last read, e.g. "7"',
    schema: { type: 'string', pattern: '^"[1-9][0-9]*"$' },
  },
};
const caseIdParameter = { $ref: '#/components/parameters/CaseId' };
const ifMatchParameter = { $ref: '#/components/parameters/IfMatch' };

const etagHeader = { ETag: { $ref: '#/components/headers/ETag' } };

function queryParameters(schema: z.ZodMiniObject): JsonObject[] {
  return Object.entries(schema.shape).map(([name, field]) => {
    const json = clean(z.toJSONSchema(field as z.ZodMiniType, { io: 'input' }));
    const { description, ...rest } = json;
    return { name, in: 'query', required: false, ...(description === undefined ? {} : { description }), schema: rest };
  });
}

/** The roles line of a staff operation, from the manifest entry of the function behind it. */
function rolesNote(name: HttpFunctionName): string {
  const trigger = (functionManifest as readonly FunctionSpec[]).find((f) => f.name === name)?.trigger;
  if (trigger?.kind !== 'http' || trigger.auth !== 'staff-jwt') throw new Error(`${name} is not a staff route in the manifest`);
  return `Roles: ${trigger.permission.roles.join(', ')}.`;
}

/** The staff writes of the manifest, each with its command's OpenAPI text. */
function staffWriteSpecs(): { spec: FunctionSpec; command: StaffCommandSpec }[] {
  return (functionManifest as readonly FunctionSpec[]).flatMap((spec) =>
    spec.command === undefined ? [] : [{ spec, command: spec.command }],
  );
}

/** The command a staff write runs (functions/lib/use-cases/staff-commands.ts). */
function commandOf(name: string): staffCommands.StaffCommand<unknown> {
  const command = (staffCommands as unknown as Record<string, staffCommands.StaffCommand<unknown> | undefined>)[commandExportOf(name)];
  if (command === undefined) throw new Error(`${name} has a command in the manifest but none in use-cases/staff-commands.ts`);
  return command;
}

/** A staff write's operation, from its manifest entry: the text, the body, the roles, the answers every staff write shares. */
function staffWriteOperation(spec: FunctionSpec, command: StaffCommandSpec): JsonObject {
  return {
    operationId: commandExportOf(spec.name),
    tags: ['Seller staff'],
    summary: command.summary,
    description: `${command.description} ${rolesNote(spec.name as HttpFunctionName)}`,
    parameters: [caseIdParameter, ifMatchParameter],
    requestBody: { required: command.bodyOptional !== true, content: { 'application/json': { schema: ref(command.body) } } },
    responses: {
      '200': { description: 'Recorded', headers: etagHeader, content: { 'application/json': { schema: ref('StaffWriteResult') } } },
      ...errorResponses([400, 401, 403, 404, 409, 412, 413, 415, 428, 500]),
    },
  };
}

/**
 * The operation behind each HTTP function of the manifest, by function name. Paths, methods
 * and security come from the manifest (pathsFromManifest), so a route cannot be documented
 * under another path than it is served on, or without its authorizer.
 */
function operations(): Partial<Record<HttpFunctionName, JsonObject>> {
  const writes = Object.fromEntries(staffWriteSpecs().map(({ spec, command }) => [spec.name, staffWriteOperation(spec, command)]));
  const webhookBody =
    webhookBodySchemas.length === 1
      ? ref(webhookBodySchemas[0]?.name ?? '')
      : // anyOf, not oneOf: the path and X-Shopify-Topic choose the format, not the body's shape.
        { anyOf: webhookBodySchemas.map((f) => ref(f.name)) };
  return {
    ...writes,
    'receive-webhook': {
      operationId: 'receiveWebhook',
      tags: ['Marketplace'],
      summary: 'Deliver a signed return event',
      description:
        'HMAC-SHA256 over `<unix seconds>.<raw body>` with the marketplace secret, sent as `X-Signature: t=<unix seconds>,v1=<hex>`. A retried delivery answers 202 with its case and changes nothing. `POST /webhooks/shopify` takes Shopify returns webhooks as Shopify sends them instead: `X-Shopify-Hmac-Sha256` (base64 HMAC-SHA256 of the raw body with the app secret), `X-Shopify-Topic`, `X-Shopify-Shop-Domain`, `X-Shopify-Webhook-Id`, `X-Shopify-Event-Id`; a topic it does not handle answers 202 with `ignoredReason`. An event about a return not received yet (a cancellation, a Shopify delta) answers 202 with `held: true` and is applied when the return arrives. An event naming another seller or order than the case answers 409; an event time later than now plus 5 minutes answers 400 naming the field. See the README for which event wins.',
      parameters: [
        { name: 'marketplace', in: 'path', required: true, schema: { type: 'string', pattern: '^[a-z0-9-]{1,64}$' } },
        {
          name: 'X-Signature',
          in: 'header',
          required: false,
          description: 'Required for every marketplace except shopify',
          schema: { type: 'string', pattern: '^t=\\d+,v1=[0-9a-f]{64}$' },
        },
        ...['X-Shopify-Hmac-Sha256', 'X-Shopify-Topic', 'X-Shopify-Shop-Domain', 'X-Shopify-Webhook-Id', 'X-Shopify-Event-Id'].map(
          (name) => ({
            name,
            in: 'header',
            required: false,
            description: 'Shopify only (marketplace `shopify`)',
            schema: { type: 'string' },
          }),
        ),
      ],
      requestBody: { required: true, content: { 'application/json': { schema: webhookBody } } },
      responses: {
        '202': {
          description: 'Accepted (created, changed, or a retry)',
          content: { 'application/json': { schema: ref('WebhookAccepted') } },
        },
        ...errorResponses([400, 401, 404, 409, 413, 415, 500], {
          401: {
            description: 'Missing, malformed or wrong signature, or a timestamp out of tolerance',
            content: { 'application/problem+json': { schema: ref('Error') } },
          },
        }),
      },
    },
    'list-cases': {
      operationId: 'listCases',
      tags: ['Seller staff'],
      summary: 'List your cases, soonest deadline first',
      description: `Cursor pagination: pass nextCursor back as cursor with the same filters. A page may be shorter than limit and still have a nextCursor. ${rolesNote('list-cases')}`,
      parameters: queryParameters(ListCasesQuerySchema),
      responses: {
        '200': { description: 'One page', content: { 'application/json': { schema: ref('CaseList') } } },
        ...errorResponses([400, 401, 403, 500]),
      },
    },
    'get-case': {
      operationId: 'getCase',
      tags: ['Seller staff'],
      summary: 'One case: facts, decision, refund, ledger, history',
      description: `The ETag header is the case version; send it as If-Match to change the case. ${rolesNote('get-case')}`,
      parameters: [caseIdParameter],
      responses: {
        '200': { description: 'The case', headers: etagHeader, content: { 'application/json': { schema: ref('CaseDetail') } } },
        ...errorResponses([400, 401, 403, 404, 500]),
      },
    },
    'get-case-history': {
      operationId: 'getCaseHistory',
      tags: ['Seller staff'],
      summary: 'Older history of one case, a page at a time',
      description: `GET /cases/{id} carries the newest events; this reads the rest. Start from its olderHistoryCursor (or without a cursor, from the newest events) and pass each page's nextCursor back as cursor: pages go from newest to oldest, events in a page oldest first. A cursor is valid only for its case. ${rolesNote('get-case-history')}`,
      parameters: [caseIdParameter, ...queryParameters(CaseHistoryQuerySchema)],
      responses: {
        '200': { description: 'One page', content: { 'application/json': { schema: ref('CaseHistory') } } },
        ...errorResponses([400, 401, 403, 404, 500]),
      },
    },
    'recovery-report': {
      operationId: 'recoveryReport',
      tags: ['Seller staff'],
      summary: 'Who paid in the end: buyer made whole vs who bore the cost, open carrier claims by deadline',
      description: `Your cases created in [from, to), at most 366 days: per case and per currency, what the buyer was paid and who bears the cost (seller, platform, buyer, carrier), what the carrier paid on its claim (carrierRecovered), what it did not (carrierLost: expired, denied, paid short) and claims still open (carrierPending, openClaims by fileBy). Bounded: at most 2,000 index entries and 500 cases per report; complete is false (CSV: header x-report-complete) when a limit cut it short. format=csv answers text/csv, one line per case. ${rolesNote('recovery-report')}`,
      parameters: queryParameters(RecoveryReportQuerySchema),
      responses: {
        '200': {
          description: 'The report',
          content: { 'application/json': { schema: ref('RecoveryReport') }, 'text/csv': { schema: { type: 'string' } } },
        },
        ...errorResponses([400, 401, 403, 500]),
      },
    },
    'get-openapi': {
      operationId: 'getOpenApi',
      tags: ['Meta'],
      summary: 'This document',
      responses: {
        '200': { description: 'OpenAPI 3.1', content: { 'application/json': { schema: { type: 'object' } } } },
        ...errorResponses([]),
      },
    },
  };
}

function pathsFromManifest(): JsonObject {
  const ops = operations();
  const paths: Record<string, Record<string, JsonObject>> = {};
  for (const { spec, trigger } of httpRoutes()) {
    // What no route matches is not an operation: its 404 is described with every operation's errors.
    if (trigger.path === '$default') continue;
    const op = ops[spec.name as HttpFunctionName];
    if (op === undefined)
      throw new Error(`The manifest routes ${trigger.method} ${trigger.path} to ${spec.name}, which has no OpenAPI operation`);
    const security = trigger.auth === 'staff-jwt' ? [{ staffJwt: [] }] : [];
    paths[trigger.path] = { ...paths[trigger.path], [trigger.method.toLowerCase()]: { ...op, security } };
  }
  return paths;
}

const outboundDescriptions: Readonly<Record<(typeof outboundEventTypes)[number], string>> = {
  'case.decided':
    'A decision took effect: the remedy, the refund (minor units), who pays return shipping, and what the buyer does next and by when.',
  'case.in_review': 'The case waits for the seller’s staff; `explanation.nextStepBy` is when they answer by.',
  'case.escalated': 'A deadline passed: the case went one level up (`facts.level`).',
  'case.waiting_on_buyer': 'The buyer must ship the goods back by `facts.shipBy` (on hold, or a reminder).',
  'refund.released': 'The refund was handed to the payment provider that took the payment.',
  'refund.paid': 'The refund was paid.',
  'return.received': 'The returned goods arrived at the seller.',
  'return.inspected': 'The returned goods were inspected (`facts.outcome`).',
  'case.closed': 'The case is over: closed or cancelled (`facts.reason`).',
};

/** OpenAPI 3.1 `webhooks`: each outbound notification type as the request a marketplace receives. */
function outboundWebhooks(): JsonObject {
  const header = (name: string, description: string) => ({ name, in: 'header', required: true, description, schema: { type: 'string' } });
  return Object.fromEntries(
    outboundEventTypes.map((type) => [
      type,
      {
        post: {
          operationId: `notify-${type.replace('.', '-').replace('_', '-')}`,
          tags: ['Outbound notifications'],
          summary: `Notification ${type}`,
          description: outboundDescriptions[type],
          security: [],
          parameters: [
            header('webhook-id', 'The event id (`ntf_…`): the idempotency key; the same change always has the same id.'),
            header('webhook-timestamp', 'Unix seconds when this attempt was sent.'),
            header('webhook-signature', '`v1,<base64 HMAC-SHA256>` over `<id>.<timestamp>.<body>` with the marketplace’s secret.'),
          ],
          requestBody: { required: true, content: { 'application/json': { schema: ref('OutboundEvent') } } },
          responses: {
            '200': { description: 'Received (any 2xx)' },
            '410': { description: 'Gone: unsubscribe this marketplace; nothing more is sent until an operator resubscribes it' },
          },
        },
      },
    ]),
  );
}

/** The whole document, as a plain object. */
export function buildOpenApiDocument(): JsonObject {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Dispute Desk API',
      version: '1.0.0',
      license: { name: 'Proprietary: all rights reserved', identifier: 'LicenseRef-Proprietary' },
      description:
        'Signed marketplace webhooks and the seller staff API. Staff calls carry a JWT (an OIDC ID token from the seller staff user pool) whose claims name the user (`sub`), the seller (`custom:sellerId`) and the role (`cognito:groups` or `custom:role`: agent, supervisor, manager). Every read and write is scoped to the token’s seller. Writes take If-Match with the case version.',
    },
    servers: [
      {
        url: 'https://{apiId}.execute-api.{region}.amazonaws.com',
        description: 'A deployed stage (the stack output ApiUrl)',
        variables: { apiId: { default: 'example', description: 'The HTTP API id' }, region: { default: 'eu-central-1' } },
      },
      { url: 'http://127.0.0.1:3000', description: 'The local runtime (`npm start`)' },
    ],
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    tags: [
      { name: 'Seller staff', description: 'Authenticated, tenant-isolated case work' },
      { name: 'Marketplace', description: 'Signed webhook intake' },
      { name: 'Meta', description: 'This document' },
      {
        name: 'Outbound notifications',
        description:
          'What Dispute Desk tells a marketplace (#21): Standard Webhooks (https://www.standardwebhooks.com) POSTed to the URL configured for it, signed with its `whsec_` secret. At least once, in order per case; `webhook-id` (= `data.eventId`) is the idempotency key. Answer 2xx to acknowledge, 410 Gone to unsubscribe; anything else is retried with exponential backoff, then dead-lettered.',
      },
    ],
    paths: pathsFromManifest(),
    webhooks: outboundWebhooks(),
    components: {
      securitySchemes: {
        staffJwt: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: `OIDC ID token with claims ${claimNames.userId}, ${claimNames.sellerId} and a role in ${claimNames.groups} or ${claimNames.role}.`,
        },
      },
      schemas: componentSchemas(),
      responses: errorResponseComponents(),
      parameters: parameterComponents,
      headers: { ETag: { description: 'The case version, for If-Match', schema: { type: 'string' } } },
    },
  };
}

/** The document as committed in openapi.json: stable key order, two-space indent, final newline. */
export function renderOpenApi(): string {
  return `${JSON.stringify(buildOpenApiDocument(), null, 2)}\n`;
}
