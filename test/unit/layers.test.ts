import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The layers the README names, checked on the import graph of functions/: each file may
 * import only its own layer or a lower one, and no file is part of an import cycle. Type-only
 * imports count too: a type that points upward is a design that points upward.
 *
 *   contract → decision → manifest → workflow → ports → use-cases → adapters → triggers
 *
 * infra/definitions.ts (the table and queue shapes, pure data) and openapi.json (the generated API
 * document) may be imported from any layer.
 */

const root = fileURLToPath(new URL('../../', import.meta.url));

const layers: readonly { name: string; paths: readonly string[] }[] = [
  { name: 'contract', paths: ['functions/lib/contract/'] },
  { name: 'decision', paths: ['functions/lib/decision/'] },
  { name: 'manifest', paths: ['functions/manifest.ts'] },
  { name: 'workflow', paths: ['functions/lib/workflow/'] },
  { name: 'ports', paths: ['functions/lib/ports/'] },
  { name: 'use-cases', paths: ['functions/lib/use-cases/'] },
  { name: 'adapters', paths: ['functions/lib/adapters/', 'functions/lib/marketplaces/'] },
  {
    name: 'triggers',
    paths: [
      'functions/lib/http/',
      'functions/lib/sqs/',
      'functions/lib/schedule/',
      'functions/lib/wiring',
      'functions/lib/observability.ts',
      'functions/lib/config.ts',
      'functions/',
    ],
  },
];
// openapi.json is generated from the layers (functions/lib/http/openapi.ts) and served as data by get-openapi.
const sharedData = new Set(['infra/definitions.ts', 'openapi.json']);

/** Layer index of a repo-relative path: the most specific matching prefix wins. */
export function layerOf(file: string): number | undefined {
  let best: { index: number; length: number } | undefined;
  layers.forEach((layer, index) => {
    for (const prefix of layer.paths) {
      if (file.startsWith(prefix) && (best === undefined || prefix.length > best.length)) best = { index, length: prefix.length };
    }
  });
  return best?.index;
}

const aliases: Readonly<Record<string, string>> = {
  '#lib/': 'functions/lib/',
  '#infra/': 'infra/',
  '#local/': 'local/',
  '#test/': 'test/',
  '#ops/': 'ops/',
};
const SPECIFIER = /(?:^|[\s;])(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/gm;

/** The project files a source file imports (repo-relative), ignoring packages and node builtins. */
export function importsOf(file: string, source: string): string[] {
  const out: string[] = [];
  for (const m of source.matchAll(SPECIFIER)) {
    const spec = m[1] ?? m[2] ?? '';
    const alias = Object.keys(aliases).find((a) => spec.startsWith(a));
    if (alias !== undefined) out.push(path.posix.normalize(`${aliases[alias]}${spec.slice(alias.length)}`));
    else if (spec.startsWith('.')) out.push(path.posix.normalize(path.posix.join(path.posix.dirname(file), spec)));
  }
  return out;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(path.join(root, dir)).flatMap((entry) => {
    const rel = path.posix.join(dir, entry);
    if (statSync(path.join(root, rel)).isDirectory()) return sourceFiles(rel);
    return rel.endsWith('.ts') ? [rel] : [];
  });
}

export type Graph = ReadonlyMap<string, readonly string[]>;

/** Imports that point to a higher layer, as `from → to (layer → layer)`. */
export function upwardImports(graph: Graph): string[] {
  const found: string[] = [];
  for (const [from, targets] of graph) {
    const fromLayer = layerOf(from);
    for (const to of targets) {
      if (sharedData.has(to)) continue;
      const toLayer = layerOf(to);
      if (fromLayer === undefined || toLayer === undefined) {
        found.push(`${from} → ${to} (outside the layers)`);
      } else if (toLayer > fromLayer) {
        found.push(`${from} → ${to} (${layers[fromLayer]?.name} → ${layers[toLayer]?.name})`);
      }
    }
  }
  return found;
}

/** Strongly connected components with more than one file (or a file importing itself). */
export function cycles(graph: Graph): string[][] {
  let index = 0;
  const indexOf = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string): void => {
    indexOf.set(v, index);
    low.set(v, index);
    index++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!indexOf.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) as number, low.get(w) as number));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v) as number, indexOf.get(w) as number));
      }
    }
    if (low.get(v) === indexOf.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop() as string;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || (graph.get(v) ?? []).includes(v)) out.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!indexOf.has(v)) visit(v);
  return out;
}

function projectGraph(): Graph {
  const graph = new Map<string, string[]>();
  for (const file of sourceFiles('functions')) graph.set(file, importsOf(file, readFileSync(path.join(root, file), 'utf8')));
  return graph;
}

describe('layers of functions/', () => {
  const graph = projectGraph();

  it('reads the real import graph', () => {
    expect(graph.size).toBeGreaterThan(60);
    expect(graph.get('functions/lib/use-cases/receive-webhook.ts')).toContain('functions/lib/workflow/lifecycle.ts');
  });

  it('no file imports from a higher layer', () => {
    expect(upwardImports(graph)).toEqual([]);
  });

  it('no import cycles', () => {
    expect(cycles(graph)).toEqual([]);
  });

  it('the checks can fail: an upward import and a cycle are reported', () => {
    const bad: Graph = new Map([
      ['functions/lib/contract/a.ts', ['functions/lib/workflow/b.ts']],
      ['functions/lib/workflow/b.ts', ['functions/lib/workflow/c.ts']],
      ['functions/lib/workflow/c.ts', ['functions/lib/workflow/b.ts']],
    ]);
    expect(upwardImports(bad)).toEqual(['functions/lib/contract/a.ts → functions/lib/workflow/b.ts (contract → workflow)']);
    expect(cycles(bad)).toEqual([['functions/lib/workflow/b.ts', 'functions/lib/workflow/c.ts']]);
  });

  it('reads every form of import', () => {
    const source =
      "import { a } from './a.ts';\nimport type { B } from '#lib/contract/b.ts';\nexport { c } from '../c.ts';\nconst d = () => import('./d.ts');\nimport * as z from 'zod';";
    expect(importsOf('functions/lib/x/y.ts', source)).toEqual([
      'functions/lib/x/a.ts',
      'functions/lib/contract/b.ts',
      'functions/lib/c.ts',
      'functions/lib/x/d.ts',
    ]);
  });
});
