import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, platform, release, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * `npm run bench`: runs every benchmark in its own Node process (so one cannot warm up or
 * pollute another), then assembles BENCHMARKS.md at the project root from the sections each
 * one wrote to bench/results/<name>.md, each followed by what people wrote about it in
 * bench/notes/<name>.md (kept across reruns: a rerun rewrites the numbers, not the reading of
 * them). Pass names to run only some: `npm run bench -- decision`.
 */

const root = dirname(dirname(fileURLToPath(import.meta.url)));
// 'soak' has no bench/soak.ts: its section comes from `npm run soak` (minutes long), never run here;
// neither 'escalation-backlog' (`node bench/escalation.ts --backlog`, about 10 minutes).
const benches = ['decision', 'eval', 'intake', 'return-leg', 'escalation', 'escalation-backlog', 'bundles', 'console', 'soak'] as const;

const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const selected = benches.filter((b) => (wanted.length === 0 || wanted.includes(b)) && existsSync(join(root, 'bench', `${b}.ts`)));

const failed: string[] = [];
for (const name of selected) {
  process.stdout.write(`\n▶ bench/${name}.ts\n`);
  const run = spawnSync(process.execPath, [join(root, 'bench', `${name}.ts`)], { stdio: 'inherit', cwd: root });
  if (run.status !== 0) failed.push(name);
}

const sections = benches
  .filter((name) => existsSync(join(root, 'bench', 'results', `${name}.md`)))
  .map((name) => {
    const generated = readFileSync(join(root, 'bench', 'results', `${name}.md`), 'utf8').trim();
    const notes = join(root, 'bench', 'notes', `${name}.md`);
    return existsSync(notes) ? `${generated}\n\n${readFileSync(notes, 'utf8').trim()}` : generated;
  });

const cpu = cpus()[0]?.model ?? 'unknown CPU';
const header = `# Benchmarks

Produced by \`npm run bench\` (each section is rewritten when its benchmark runs; raw numbers
in \`bench/results/*.json\`). Goals live here, never as timing assertions in tests.

Last assembled ${new Date().toISOString()} on ${cpu}, ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB,
${platform()} ${release()}, Node ${process.version}. Numbers from a shared 2-core machine vary by ±30% between runs.
`;
writeFileSync(join(root, 'BENCHMARKS.md'), `${header}\n${sections.join('\n\n')}\n`);
process.stdout.write(`\nBENCHMARKS.md written (${sections.length} sections).\n`);
if (failed.length > 0) {
  process.stderr.write(`Benchmarks that failed: ${failed.join(', ')}\n`);
  process.exit(1);
}
