import { staffRoles, type StaffRole } from './roles.ts';
import * as z from 'zod/mini';
// Schemas are built inside /* @__PURE__ */ calls: esbuild then leaves out of a Lambda bundle
// every schema its function never uses (zod/mini's own calls are not known to it as pure).

import { AuthenticationError, ForbiddenError } from './errors.ts';
import { IdentifierSchema } from './return-payload.ts';

/**
 * Who is calling the seller API, from the claims of a token the gateway has already verified
 * (API Gateway's JWT authorizer in AWS, the local gateway with the dev key locally). Pure: the
 * HTTP layer hands over `requestContext.authorizer.jwt.claims`; nothing here reads a request.
 *
 * The seller id comes only from here, never from a path, query or body.
 */

/** The claim names, as a Cognito ID token carries them. */
export const claimNames = {
  userId: 'sub',
  sellerId: 'custom:sellerId',
  role: 'custom:role',
  groups: 'cognito:groups',
} as const;

export type StaffPrincipal = {
  readonly userId: string;
  readonly sellerId: string;
  readonly role: StaffRole;
};

const roleRank: Readonly<Record<StaffRole, number>> = { agent: 0, supervisor: 1, manager: 2 };

/**
 * Claim values arrive as API Gateway renders them: every value a string, and a list such as
 * `cognito:groups` as `[agent supervisor]`. A real array is accepted too.
 */
function listClaim(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String);
  if (typeof value !== 'string') return [];
  const inner = value.startsWith('[') && value.endsWith(']') ? value.slice(1, -1) : value;
  return inner.split(/[\s,]+/).filter((v) => v !== '');
}

const knownRole = (value: string): value is StaffRole => (staffRoles as readonly string[]).includes(value);

const StaffClaimsObjectSchema = /* @__PURE__ */ (() =>
  z.looseObject({
    [claimNames.userId]: IdentifierSchema,
    [claimNames.sellerId]: IdentifierSchema,
    [claimNames.role]: z.optional(z.string()),
    [claimNames.groups]: z.optional(z.unknown()),
  }))();

export const StaffClaimsSchema = /* @__PURE__ */ (() =>
  z.pipe(
    StaffClaimsObjectSchema,
    z.transform((claims: z.output<typeof StaffClaimsObjectSchema>, ctx): StaffPrincipal => {
      // Every role the token grants; the highest one counts, as a supervisor is also an agent.
      const granted: StaffRole[] = [];
      const explicit = claims[claimNames.role];
      if (explicit !== undefined) {
        if (!knownRole(explicit)) {
          ctx.issues.push({
            code: 'custom',
            input: ctx.value,
            path: [claimNames.role],
            message: `must be one of ${staffRoles.join(', ')}`,
          });
          return z.NEVER;
        }
        granted.push(explicit);
      }
      granted.push(...listClaim(claims[claimNames.groups]).filter(knownRole));
      const role = granted.sort((a, b) => roleRank[b] - roleRank[a])[0];
      if (role === undefined) {
        ctx.issues.push({
          code: 'custom',
          input: ctx.value,
          path: [claimNames.groups],
          message: `must name a staff role (${staffRoles.join(', ')}) in ${claimNames.groups} or ${claimNames.role}`,
        });
        return z.NEVER;
      }
      return { userId: claims[claimNames.userId], sellerId: claims[claimNames.sellerId], role };
    }),
  ))();

/**
 * Turns verified token claims into a principal.
 * @throws AuthenticationError (401) when there are no claims at all: the route was reached
 *   without an authorizer, which must never be mistaken for an anonymous staff member.
 * @throws ForbiddenError (403) when the token is valid but does not identify seller staff
 *   (no seller id, no known role); the message names the claims.
 */
export function principalFromClaims(claims: unknown): StaffPrincipal {
  if (claims === undefined || claims === null || typeof claims !== 'object') {
    throw new AuthenticationError('A bearer token is required');
  }
  const parsed = StaffClaimsSchema.safeParse(claims);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.map(String).join('.') || '(claims)'} ${i.message}`);
    throw new ForbiddenError(`Token does not identify seller staff: ${problems.join('; ')}`);
  }
  return parsed.data;
}
