/**
 * `npm run eval`: judge the labelled evaluation set (bench/eval/cases) and report accuracy per
 * field, confusion matrices, the share of clear cases decided automatically and correctly, the
 * share of conflicting cases sent to review, and any refund above the amount paid. Writes
 * bench/results/eval.json and eval.md and replaces its section of BENCHMARKS.md. Exits 1 when
 * a goal is missed. The same goals are asserted by test/unit/decision/eval-set.test.ts.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { evaluate, loadCases, reportMarkdown } from './eval/evaluate.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const report = evaluate(loadCases());
const md = reportMarkdown(report);

const results = join(root, 'bench', 'results');
mkdirSync(results, { recursive: true });
writeFileSync(join(results, 'eval.json'), `${JSON.stringify(report, null, 2)}\n`);
writeFileSync(join(results, 'eval.md'), `${md}\n`);

// Replace (or append) this section of BENCHMARKS.md, leaving the others as they are.
const benchmarks = join(root, 'BENCHMARKS.md');
if (existsSync(benchmarks)) {
  const text = readFileSync(benchmarks, 'utf8');
  const title = '## Judgement evaluation (labelled cases)';
  const start = text.indexOf(title);
  let next: string;
  if (start === -1) {
    next = `${text.trimEnd()}\n\n${md}\n`;
  } else {
    const end = text.indexOf('\n## ', start + title.length);
    next = `${text.slice(0, start)}${md}\n${end === -1 ? '' : text.slice(end)}`;
  }
  writeFileSync(benchmarks, next);
}

process.stdout.write(`${md}\n`);
const { goals } = report;
if (!goals.clearCorrectAutomatic || !goals.conflictingToReview || !goals.noRefundAbovePaid) process.exit(1);
