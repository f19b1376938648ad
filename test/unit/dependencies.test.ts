import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * What the Lambda bundles are made of: the packages the functions import at run time must be
 * `dependencies` (and only those need to be), and the Powertools packages must share one
 * `commons`, or esbuild puts a copy of it per version into a bundle.
 */

const root = fileURLToPath(new URL('../../', import.meta.url));
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  imports: Record<string, string>;
  dependencies: Record<string, string>;
};
const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version?: string }> };

function tsFilesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => join(entry.parentPath, entry.name));
}

/** Module specifiers a file loads at run time: `import type` and `export type` are erased. */
function runtimeSpecifiers(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest);
  const found: string[] = [];
  function visit(node: ts.Node): void {
    if (ts.isImportDeclaration(node) && !node.importClause?.isTypeOnly && ts.isStringLiteral(node.moduleSpecifier)) {
      found.push(node.moduleSpecifier.text);
    } else if (ts.isExportDeclaration(node) && !node.isTypeOnly && node.moduleSpecifier !== undefined && ts.isStringLiteral(node.moduleSpecifier)) {
      found.push(node.moduleSpecifier.text);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const [argument] = node.arguments;
      if (argument !== undefined && ts.isStringLiteral(argument)) found.push(argument.text);
    }
    ts.forEachChild(node, visit);
  }
  visit(source);
  return found;
}

/** A relative or `#` subpath import as a file path (package.json "imports" map the latter). */
function resolveLocal(specifier: string, from: string): string | undefined {
  if (specifier.startsWith('.')) return resolve(dirname(from), specifier);
  for (const [pattern, target] of Object.entries(manifest.imports)) {
    const prefix = pattern.replace(/\*$/, '');
    if (specifier.startsWith(prefix)) return join(root, target.replace(/\*$/, ''), specifier.slice(prefix.length));
  }
  return undefined;
}

/** Every package reached from the entry files, following our own modules transitively. */
function packagesReachedFrom(entries: string[]): Map<string, string> {
  const packages = new Map<string, string>(); // package → first file that imports it
  const seen = new Set<string>();
  const queue = [...entries];
  for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
    if (seen.has(file)) continue;
    seen.add(file);
    for (const specifier of runtimeSpecifiers(file)) {
      if (specifier.startsWith('node:')) continue;
      const local = resolveLocal(specifier, file);
      if (local !== undefined) {
        queue.push(local);
        continue;
      }
      const parts = specifier.split('/');
      const name = specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? specifier);
      if (!packages.has(name)) packages.set(name, relative(root, file));
    }
  }
  return packages;
}

describe('dependencies', () => {
  it('the functions load at run time only packages listed in dependencies, and every dependency is used', () => {
    const reached = packagesReachedFrom(tsFilesUnder(join(root, 'functions')));
    const notRuntime = [...reached].filter(([name]) => manifest.dependencies[name] === undefined).map(([name, file]) => `${name} (imported by ${file})`);
    expect(notRuntime).toEqual([]);
    // jose signs and verifies the local dev tokens only (local/dev-auth.ts): a devDependency.
    expect(Object.keys(manifest.dependencies).filter((name) => !reached.has(name))).toEqual([]);
  });

  it('the Powertools packages share one version, so the lockfile holds one @aws-lambda-powertools/commons', () => {
    const powertools = Object.entries(lock.packages).filter(([path]) => /(^|\/)node_modules\/@aws-lambda-powertools\/[^/]+$/.test(path));
    const commons = powertools.filter(([path]) => path.endsWith('/@aws-lambda-powertools/commons'));
    expect(commons.map(([path]) => path)).toEqual(['node_modules/@aws-lambda-powertools/commons']);
    expect(new Set(powertools.map(([, entry]) => entry.version)).size).toBe(1);
  });
});
