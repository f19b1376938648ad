import { describe, expect, it } from 'vitest';
import { parseReconcileArgs } from '../../ops/reconcile.ts';

const now = new Date('2026-12-04T12:00:00Z');

describe('npm run reconcile: arguments', () => {
  it('defaults to the last 24 hours, takes --hours, --from/--to, --dry-run and --local', () => {
    expect(parseReconcileArgs([], now)).toEqual({
      from: '2026-12-03T12:00:00.000Z',
      to: '2026-12-04T12:00:00.000Z',
      dryRun: false,
      local: false,
    });
    expect(parseReconcileArgs(['--hours', '2', '--dry-run', '--local'], now)).toMatchObject({
      from: '2026-12-04T10:00:00.000Z',
      dryRun: true,
      local: true,
    });
    expect(parseReconcileArgs(['--from', '2026-12-01T00:00:00Z', '--to', '2026-12-02T00:00:00+08:00'], now)).toMatchObject({
      from: '2026-12-01T00:00:00.000Z',
      to: '2026-12-01T16:00:00.000Z',
    });
  });

  it.each([
    [['--hours', '0'], /--hours '0' must be/],
    [['--hours', '1.5'], /--hours '1.5' must be/],
    [['--from', 'yesterday'], /--from 'yesterday' is not an ISO 8601 time/],
    [['--from', '2026-12-05T00:00:00Z'], /--from must be before --to/],
    [['--force'], /Unknown option '--force'/],
  ])('%j is refused naming the problem', (argv, message) => {
    expect(() => parseReconcileArgs(argv, now)).toThrow(message);
  });
});
