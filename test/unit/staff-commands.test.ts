import { describe, expect, it } from 'vitest';
import { commandExportOf, entryOf, type FunctionSpec, functionManifest, STAFF_COMMAND_ENTRY } from '../../functions/manifest.ts';
import * as commands from '#lib/use-cases/staff-commands.ts';

/**
 * A staff write is a manifest entry with a `command` plus its command in
 * use-cases/staff-commands.ts: the two must name each other, or a route would be served with
 * no domain step behind it (or a command written that nothing serves).
 */

const specs = functionManifest as readonly FunctionSpec[];
const commandExports = Object.entries(commands)
  .filter(([, value]) => typeof value === 'object' && value !== null && 'change' in value && 'body' in value)
  .map(([name]) => name)
  .sort();

describe('staff commands', () => {
  it('every manifest entry with a command has its command, and every command has its manifest entry', () => {
    const wanted = specs.flatMap((spec) => (spec.command === undefined ? [] : [commandExportOf(spec.name)])).sort();
    expect(commandExports).toEqual(wanted);
    expect(wanted.length).toBeGreaterThan(0);
  });

  it('every staff write is a POST on a case behind the staff JWT, and nothing else runs the staff command entry', () => {
    for (const spec of specs) {
      const entry = entryOf(spec);
      if (spec.command === undefined) {
        expect(entry.path, spec.name).not.toBe(STAFF_COMMAND_ENTRY);
        continue;
      }
      expect(spec.trigger, spec.name).toMatchObject({ kind: 'http', method: 'POST', auth: 'staff-jwt' });
      expect(spec.trigger.kind === 'http' && spec.trigger.path.startsWith('/cases/{id}/'), spec.name).toBe(true);
      expect(entry.path, spec.name).toBe(STAFF_COMMAND_ENTRY);
      expect(Object.keys(entry.define).sort(), spec.name).toEqual([
        'process.env.STAFF_COMMAND',
        'process.env.STAFF_COMMAND_NAME',
        'process.env.STAFF_COMMAND_REFUNDS',
        'process.env.STAFF_COMMAND_STAFF_DIRECTORY',
      ]);
    }
  });

  it('tells each bundle its command and its grants, as the manifest entry has them', () => {
    const defineOf = (name: string) => entryOf(specs.find((s) => s.name === name) as FunctionSpec).define;
    // A note moves no money and assigns nobody; an approval may queue a refund; an assignment asks the staff directory.
    expect(defineOf('add-note')).toMatchObject({
      'process.env.STAFF_COMMAND_NAME': '"add-note"',
      'process.env.STAFF_COMMAND': '"addNote"',
      'process.env.STAFF_COMMAND_REFUNDS': '"false"',
      'process.env.STAFF_COMMAND_STAFF_DIRECTORY': '"false"',
    });
    expect(defineOf('approve-decision')).toMatchObject({
      'process.env.STAFF_COMMAND': '"approveDecision"',
      'process.env.STAFF_COMMAND_REFUNDS': '"true"',
      'process.env.STAFF_COMMAND_STAFF_DIRECTORY': '"false"',
    });
    expect(defineOf('assign-case')).toMatchObject({
      'process.env.STAFF_COMMAND_REFUNDS': '"false"',
      'process.env.STAFF_COMMAND_STAFF_DIRECTORY': '"true"',
    });
    expect(entryOf(specs.find((s) => s.name === 'get-case') as FunctionSpec)).toEqual({ path: 'functions/get-case/index.ts', define: {} });
  });

  it('a command name is its function name in camelCase', () => {
    expect(commandExportOf('add-note')).toBe('addNote');
    expect(commandExportOf('record-return-shipment')).toBe('recordReturnShipment');
  });
});
