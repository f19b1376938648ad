import { commandExportOf, type FunctionSpec } from '../../manifest.ts';
import { httpHandler } from '../http/http-handler.ts';
import { type StaffCommandRouteDeps, staffCommandRoute } from '../http/routes/staff-command.ts';
import { systemClock } from '../ports/clock.ts';
import * as commands from '../use-cases/staff-commands.ts';
import { caseStore } from './case-store.ts';
import { policies } from './policies.ts';
import { refundQueue } from './refund-queue.ts';
import { staffDirectory } from './staff-directory.ts';

/**
 * A staff write's handler: its command behind the shared route, on the case store and the
 * policies every staff write uses, plus the clients it was given (those its manifest entry
 * grants). Built at cold start.
 */
export function staffCommandHttpHandler(
  name: string,
  command: commands.StaffCommand<unknown>,
  granted: Pick<StaffCommandRouteDeps, 'refunds' | 'staff'>,
): ReturnType<typeof httpHandler> {
  return httpHandler(staffCommandRoute(name, command, { store: caseStore(), policies: policies(), clock: systemClock, ...granted }));
}

/**
 * The same handler with the command and the grants looked up in the manifest entry at run time:
 * how the local runtime runs every staff write in one process. A Lambda bundle has them fixed at
 * build time instead (functions/staff-command/index.ts), so it carries one command and only the
 * clients it is granted.
 */
export function staffCommandHandler(spec: FunctionSpec): ReturnType<typeof httpHandler> {
  const command = (commands as unknown as Record<string, commands.StaffCommand<unknown> | undefined>)[commandExportOf(spec.name)];
  if (spec.command === undefined || command === undefined) {
    throw new Error(`${spec.name} has no staff command: add ${commandExportOf(spec.name)} to functions/lib/use-cases/staff-commands.ts`);
  }
  return staffCommandHttpHandler(spec.name, command, {
    refunds: spec.access.refundQueue === true ? refundQueue() : undefined,
    staff: spec.access.staffDirectory === true ? staffDirectory() : undefined,
  });
}
