import { describe, expect, it } from 'vitest';
import { buildFacts, evaluate, loadCases } from '../../../bench/eval/evaluate.ts';

/**
 * Quality gate over the labelled evaluation set (bench/eval/cases, written from the domain
 * brief): the goals of issue #17, asserted on every run. `npm run eval` prints the full report.
 */
describe('labelled evaluation set', () => {
  const cases = loadCases();
  const report = evaluate(cases);

  it('has at least 150 cases, about a fifth of them conflicting or missing evidence', () => {
    expect(cases.length).toBeGreaterThanOrEqual(150);
    expect(report.conflicting / report.cases).toBeGreaterThanOrEqual(0.15);
    expect(report.conflicting / report.cases).toBeLessThanOrEqual(0.3);
  });

  it('decides at least 95% of the clear cases automatically and correctly', () => {
    const misses = report.results.filter((r) => !r.expectedReview && !r.correct).map((r) => r.id);
    expect(report.clearCorrectAutomatic, `clear cases judged wrongly: ${misses.join(', ')}`).toBeGreaterThanOrEqual(0.95);
  });

  it('sends every conflicting case to review', () => {
    expect(report.results.filter((r) => r.expectedReview && !r.correct).map((r) => r.id)).toEqual([]);
  });

  it('never refunds more than was paid', () => {
    expect(report.refundsAbovePaid).toEqual([]);
  });

  it('scores a wrong label as a miss (the gate can fail)', () => {
    const first = cases.find((c) => !c.expect.review);
    if (first === undefined || first.expect.review) throw new Error('no clear case');
    const mislabelled = { ...first, expect: { ...first.expect, party: first.expect.party === 'buyer' ? 'seller' : 'buyer' } } as const;
    const r = evaluate([mislabelled]);
    expect(r.clearCorrectAutomatic).toBe(0);
    expect(buildFacts(first).reason).toBe(first.reason);
  });
});
