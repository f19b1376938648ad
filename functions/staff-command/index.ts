import * as commands from '#lib/use-cases/staff-commands.ts';
import { refundQueue } from '#lib/wiring/refund-queue.ts';
import { staffCommandHttpHandler } from '#lib/wiring/staff-command.ts';
import { staffDirectory } from '#lib/wiring/staff-directory.ts';

/**
 * The Lambda entry of every staff write (`POST /cases/{id}/…`, JWT, If-Match). The bundler
 * replaces the four `process.env.STAFF_COMMAND*` below with constants from the function's
 * manifest entry (`entryOf` in functions/manifest.ts): its name, its command's export, and
 * whether it is granted the refund queue and the staff directory. esbuild then keeps that one
 * command and drops the other commands and the clients the function is not granted. They are
 * not read at run time: the local runtime builds the same handler from the manifest instead
 * (functions/lib/wiring/staff-command.ts).
 */
type CommandExport = Exclude<keyof typeof commands, 'MAX_COMMENT_LENGTH' | `${string}Schema`>;

export const handler = staffCommandHttpHandler(
  process.env.STAFF_COMMAND_NAME ?? '',
  // biome-ignore lint/performance/noDynamicNamespaceImportAccess: a constant once bundled (the define above), which esbuild reads as static access
  commands[process.env.STAFF_COMMAND as CommandExport] as unknown as commands.StaffCommand<unknown>,
  {
    refunds: process.env.STAFF_COMMAND_REFUNDS === 'true' ? refundQueue() : undefined,
    staff: process.env.STAFF_COMMAND_STAFF_DIRECTORY === 'true' ? staffDirectory() : undefined,
  },
);
