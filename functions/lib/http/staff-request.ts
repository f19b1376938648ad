import type { APIGatewayProxyEventV2, APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import * as z from 'zod/mini';
import { principalFromClaims, type StaffPrincipal } from '../contract/staff-claims.ts';
import { assertAllowed, type StaffAction } from '../workflow/permissions.ts';
import { CASE_ID_PATTERN } from '../workflow/case.ts';
import { MalformedJsonError, PayloadTooLargeError, PreconditionRequiredError, ValidationError } from '../contract/errors.ts';
import { issuesFromZod } from '../contract/validation.ts';
import { type HttpResult, type HttpRoute, rawBodyOf } from './http-handler.ts';
import { assertJsonContentType } from './json-content-type.ts';

/**
 * Request plumbing for the seller API: who is calling (from the authorizer's claims), the
 * case id, the If-Match version, the JSON body and the query, each validated with a 4xx
 * that names the field. Used by every seller route, so they all refuse the same way.
 */

/** Staff bodies are small: notes, evidence findings, a reason. */
export const MAX_STAFF_BODY_BYTES = 64 * 1024;

/**
 * A seller API route: the caller's principal is parsed from the verified token claims and
 * checked against the action's roles before anything in the request is looked at, so an
 * unauthenticated or unauthorised caller learns nothing from validation answers.
 */
export function staffRoute(
  action: StaffAction,
  handle: (event: APIGatewayProxyEventV2, principal: StaffPrincipal) => Promise<HttpResult>,
): HttpRoute {
  return async function staffRouteHandler(event) {
    const claims = (event as Partial<APIGatewayProxyEventV2WithJWTAuthorizer>).requestContext?.authorizer?.jwt?.claims;
    const principal = principalFromClaims(claims);
    assertAllowed(principal, action);
    return handle(event, principal);
  };
}

export function caseIdOf(event: APIGatewayProxyEventV2): string {
  const caseId = event.pathParameters?.id ?? '';
  if (!CASE_ID_PATTERN.test(caseId)) {
    throw new ValidationError('Invalid case id', [{ field: 'id', problem: 'must look like cs_ followed by 24 hex digits' }]);
  }
  return caseId;
}

/**
 * The version in `If-Match: "7"` (a bare `7` is accepted too). Missing → 428, so a client
 * cannot overwrite a case it has not read; anything else that is not one version → 400.
 */
export function expectedVersionOf(event: APIGatewayProxyEventV2): number {
  const header = event.headers['if-match'];
  if (header === undefined || header.trim() === '') {
    throw new PreconditionRequiredError('This request needs an If-Match header with the case ETag, e.g. If-Match: "7"');
  }
  const match = /^\s*(?:"([1-9]\d{0,9})"|([1-9]\d{0,9}))\s*$/.exec(header);
  const version = Number(match?.[1] ?? match?.[2]);
  if (match === null || !Number.isSafeInteger(version)) {
    throw new ValidationError('Invalid If-Match header', [{ field: 'If-Match', problem: 'must be one case ETag, e.g. "7"' }]);
  }
  return version;
}

/**
 * The JSON body, validated. An absent or empty body counts as `{}` where `emptyAllowed`
 * (approve takes an optional comment); otherwise it is a missing body, 400. A body that is
 * there must be declared JSON (415 otherwise); an empty one has no type to declare.
 */
export function jsonBodyOf<S extends z.core.$ZodType>(
  event: APIGatewayProxyEventV2,
  schema: S,
  options: { emptyAllowed?: boolean } = {},
): z.output<S> {
  const raw = rawBodyOf(event);
  if (Buffer.byteLength(raw, 'utf8') > MAX_STAFF_BODY_BYTES) {
    throw new PayloadTooLargeError(`Request body exceeds ${MAX_STAFF_BODY_BYTES} bytes`);
  }
  let json: unknown = {};
  if (raw.trim() === '') {
    if (!options.emptyAllowed) throw new ValidationError('Request body is required', [{ field: '(body)', problem: 'is required' }]);
  } else {
    assertJsonContentType(event.headers['content-type']);
    try {
      json = JSON.parse(raw);
    } catch (error) {
      throw new MalformedJsonError('Request body is not valid JSON', { cause: error });
    }
  }
  const parsed = z.safeParse(schema, json);
  if (!parsed.success) throw new ValidationError('Request body is not valid', issuesFromZod(parsed.error));
  return parsed.data;
}

export function queryOf<S extends z.core.$ZodType>(event: APIGatewayProxyEventV2, schema: S): z.output<S> {
  const parsed = z.safeParse(schema, event.queryStringParameters ?? {});
  if (!parsed.success) throw new ValidationError('Query string is not valid', issuesFromZod(parsed.error));
  return parsed.data;
}
