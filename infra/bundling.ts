import path from 'node:path';

/**
 * What every Lambda bundle is built with beyond esbuild's ordinary options, in one place for
 * the CDK construct (infra/constructs/dispute-function.ts), the bundle benchmark and the tests
 * that bundle a function as the construct does.
 */

/** ESM output still meets CommonJS dependencies that call require(). */
export const ESM_REQUIRE_BANNER = "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);";

/** The shim, relative to the project root. */
export const NODE_HTTP_SHIM = 'infra/bundling/node-http.cjs';

/**
 * Imports of Node's http module, redirected to a CommonJS shim that takes the module from
 * `process.getBuiltinModule`. An ESM `import … from 'node:http'` (the AWS SDK's request handler
 * has one) makes Node build the module's ESM facade, which reads every export, including the
 * lazy WebSocket, CloseEvent and MessageEvent getters that load undici: on Node 24 that costs
 * 25-30 ms of a cold start on its own (`import('node:http')` against `require('http')`), and
 * about 14 ms of a whole function's init (BENCHMARKS.md). Through the shim nothing is read until
 * it is used. `process.getBuiltinModule` is in every Node the functions run on (22.3 and later).
 *
 * @param root the directory the paths are resolved from: the project root for the CDK (its
 *   esbuild runs there), or an absolute root for esbuild's API.
 */
export function builtinAliases(root = '.'): Readonly<Record<string, string>> {
  const shim = root === '.' ? `./${NODE_HTTP_SHIM}` : path.join(root, NODE_HTTP_SHIM);
  return { 'node:http': shim, http: shim };
}
