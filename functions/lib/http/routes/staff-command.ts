import { type FunctionSpec, functionManifest, type StaffCommandSpec, type StaffPermission } from '../../../manifest.ts';
import type { RefundQueue } from '../../ports/refund-queue.ts';
import type { StaffDirectory } from '../../ports/staff-directory.ts';
import { runStaffCommand, type StaffCommandDeps } from '../../use-cases/staff-case-command.ts';
import type { StaffCommand } from '../../use-cases/staff-commands.ts';
import type { StaffAction } from '../../workflow/permissions.ts';
import type { HttpRoute } from '../http-handler.ts';
import { caseIdOf, expectedVersionOf, jsonBodyOf, staffRoute } from '../staff-request.ts';
import { staffWriteResult } from './staff-write-result.ts';

export type StaffCommandRouteDeps = StaffCommandDeps & {
  /** For commands that may make a refund due (manifest access.refundQueue); without it the outbox relay publishes. */
  readonly refunds?: RefundQueue | undefined;
  /** For commands granted the staff directory (manifest access.staffDirectory). */
  readonly staff?: StaffDirectory | undefined;
};

/** The manifest entry of a staff write, with its permission and command. */
export function staffWriteSpec(name: string): FunctionSpec & { readonly command: StaffCommandSpec; readonly permission: StaffPermission } {
  const spec = (functionManifest as readonly FunctionSpec[]).find((f) => f.name === name);
  const trigger = spec?.trigger;
  if (spec?.command === undefined || trigger?.kind !== 'http' || trigger.auth !== 'staff-jwt') {
    throw new Error(`${name} is not a staff command in functions/manifest.ts`);
  }
  return { ...spec, command: spec.command, permission: trigger.permission };
}

/**
 * `POST /cases/{id}/…` (JWT, If-Match) for any staff write of the manifest: the caller's role
 * against the entry's permission (before anything in the request is looked at), the case id,
 * the If-Match version, the body by the command's schema (400 naming the field), then the
 * staff command frame around the command's domain function, answered with the case as
 * written, its new events, ETag and any refund it made due.
 */
export function staffCommandRoute<B>(name: string, command: StaffCommand<B>, deps: StaffCommandRouteDeps): HttpRoute {
  const spec = staffWriteSpec(name);
  const emptyAllowed = spec.command.bodyOptional === true;
  return staffRoute(spec.permission.action as StaffAction, async function staffCommandRoute(event, principal) {
    const caseId = caseIdOf(event);
    const expectedVersion = expectedVersionOf(event);
    const body = jsonBodyOf(event, command.body, { emptyAllowed });
    const result = await runStaffCommand(deps, { principal, caseId, expectedVersion }, (current, ctx) =>
      command.change(current, ctx, body, { principal, staff: deps.staff }),
    );
    return staffWriteResult(name, principal, result);
  });
}
