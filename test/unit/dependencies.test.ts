import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { type Access, entryOf, type FunctionSpec, functionManifest } from '../../functions/manifest.ts';
import { builtinAliases } from '#infra/bundling.ts';

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
    } else if (
      ts.isExportDeclaration(node) &&
      !node.isTypeOnly &&
      node.moduleSpecifier !== undefined &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
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

/**
 * The packages a staff command's bundle holds. Every staff write shares one entry file that
 * imports every command and the clients any of them needs; the bundler's constants
 * (`entryOf`) decide which stay, so the import graph cannot tell: bundle it, as the construct
 * does, and read what reached the output.
 */
async function packagesBundledFor(spec: FunctionSpec): Promise<Map<string, string>> {
  const packages = new Map<string, string>();
  for (const input of await bundledInputsOf(spec)) {
    const match = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
    if (match?.[1] !== undefined && !packages.has(match[1])) packages.set(match[1], `the ${spec.name} bundle`);
  }
  return packages;
}

/** The files that put bytes into a function's bundle, bundled as the construct bundles it (once per function). */
const bundledInputs = new Map<string, Promise<string[]>>();
function bundledInputsOf(spec: FunctionSpec): Promise<string[]> {
  const cached = bundledInputs.get(spec.name) ?? bundleInputs(spec);
  bundledInputs.set(spec.name, cached);
  return cached;
}

async function bundleInputs(spec: FunctionSpec): Promise<string[]> {
  const entry = entryOf(spec);
  const result = await build({
    entryPoints: [join(root, entry.path)],
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node24',
    mainFields: ['module', 'main'],
    define: { ...entry.define },
    alias: { ...builtinAliases(root) },
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  return Object.values(result.metafile.outputs).flatMap((output) =>
    Object.entries(output.inputs).flatMap(([input, { bytesInOutput }]) => (bytesInOutput > 0 ? [input] : [])),
  );
}

describe('dependencies', () => {
  it('the functions load at run time only packages listed in dependencies, and every dependency is used', () => {
    const reached = packagesReachedFrom(tsFilesUnder(join(root, 'functions')));
    const notRuntime = [...reached]
      .filter(([name]) => manifest.dependencies[name] === undefined)
      .map(([name, file]) => `${name} (imported by ${file})`);
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

  it('each function reaches an AWS client only if the manifest grants it that service, and reaches every client it is granted', async () => {
    // Entry files import only the wiring they use (functions/lib/wiring/*), so the import graph
    // from an entry is what its bundle may hold; a client reached without a grant would be
    // bundled and built at cold start for nothing (or fail at run time for want of the grant).
    const clientFor: readonly [string, (access: Access) => boolean][] = [
      ['@aws-sdk/client-dynamodb', (a) => a.table !== undefined],
      ['@aws-sdk/lib-dynamodb', (a) => a.table !== undefined],
      ['@aws-sdk/client-sqs', (a) => a.refundQueue === true || a.notificationQueue === true],
      [
        '@aws-sdk/client-secrets-manager',
        (a) => a.webhookSecrets === true || a.cursorSigningKey === true || (a.credentials?.length ?? 0) > 0,
      ],
      ['@aws-sdk/client-cognito-identity-provider', (a) => a.staffDirectory === true],
    ];
    const specs = functionManifest as readonly FunctionSpec[];
    const reachedBy = await Promise.all(
      specs.map((spec) => (spec.command === undefined ? packagesReachedFrom([join(root, entryOf(spec).path)]) : packagesBundledFor(spec))),
    );
    const mismatches = specs.flatMap((spec, i) => {
      const reached = reachedBy[i] ?? new Map<string, string>();
      return clientFor
        .filter(([client, granted]) => reached.has(client) !== granted(spec.access))
        .map(
          ([client]) =>
            `${spec.name} ${reached.has(client) ? `reaches ${client} (via ${reached.get(client)}) without a grant` : `is granted ${client} but never reaches it`}`,
        );
    });
    expect(mismatches).toEqual([]);
  });

  it('a staff write’s bundle keeps its own command and leaves out the others’ domain code', async () => {
    // All staff writes share functions/staff-command/index.ts, which imports every command;
    // the constants entryOf gives esbuild must leave one. Two domain modules only some commands
    // use show it: the appeal (appeal-decision) and the staff return leg (three commands).
    const owners: Readonly<Record<string, readonly string[]>> = {
      'functions/lib/workflow/appeal.ts': ['appeal-decision'],
      'functions/lib/workflow/return-leg-staff.ts': ['record-inspection', 'record-return-receipt', 'record-return-shipment'],
    };
    const commands = (functionManifest as readonly FunctionSpec[]).filter((spec) => spec.command !== undefined);
    const inputs = await Promise.all(commands.map(bundledInputsOf));
    for (const [module, expected] of Object.entries(owners)) {
      const holding = commands.filter((_spec, i) => inputs[i]?.includes(module)).map((spec) => spec.name);
      expect(holding.sort(), module).toEqual([...expected].sort());
    }
  });

  it('the functions load zod only as zod/mini (and its English messages), never the classic API', () => {
    // `import * as z from 'zod'` puts 88-99 KiB into every bundle (BENCHMARKS.md, bundles);
    // zod/mini is tree-shakable. Test code, local/, bench/ and infra/ may use either.
    const allowed = new Set(['zod/mini', 'zod/v4/locales/en.js']);
    const zodImports = tsFilesUnder(join(root, 'functions')).flatMap((file) =>
      runtimeSpecifiers(file)
        .filter((specifier) => specifier === 'zod' || specifier.startsWith('zod/'))
        .filter((specifier) => !allowed.has(specifier))
        .map((specifier) => `${relative(root, file)}: ${specifier}`),
    );
    expect(zodImports).toEqual([]);
  });

  it('no module under functions/ is imported for its side effects alone', () => {
    // package.json declares "sideEffects": false so esbuild drops what an entry does not use;
    // a bare `import './x.ts'` would be dropped with it, silently.
    const bare = tsFilesUnder(join(root, 'functions')).flatMap((file) => {
      const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest);
      return source.statements
        .filter((s) => ts.isImportDeclaration(s) && s.importClause === undefined)
        .map((s) => `${relative(root, file)}: ${s.getText(source)}`);
    });
    expect(bare).toEqual([]);
    expect(manifest).toHaveProperty('sideEffects', false);
  });
});
