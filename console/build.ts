import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type BuildOptions, buildSync } from 'esbuild';

/**
 * How the console is built and served, once for both places that serve it: the local runtime
 * (local/console-server.ts, in memory at start) and the CDK app (infra/constructs/staff-console.ts,
 * files for S3 behind CloudFront, with the same headers as a response headers policy).
 */

const entry = fileURLToPath(new URL('./app.ts', import.meta.url));
const stylesheet = fileURLToPath(new URL('./styles.css', import.meta.url));

/** The console's Content-Security-Policy; `connect` lists what the page may call ('self' is the API). */
export function consoleCsp(connect = "'self'"): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    `connect-src ${connect}`,
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join('; ');
}

export const CONSOLE_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': consoleCsp(),
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=()',
  'cache-control': 'no-store',
};

export const CONSOLE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Dispute Desk console</title>
<link rel="stylesheet" href="/console/app.css">
<script type="module" src="/console/app.js"></script>
</head>
<body>
<div id="app"><p>Loading…</p></div>
</body>
</html>
`;

export type ConsoleBundle = { js: Buffer; css: Buffer };

const options = {
  entryPoints: [entry, stylesheet],
  bundle: true,
  minify: true,
  format: 'esm',
  target: 'es2022',
  logLevel: 'silent',
  define: { 'process.env.NODE_ENV': '"production"' },
} satisfies BuildOptions;

/** Bundles console/app.ts (Preact + htm) and console/styles.css, minified, in memory. */
export async function buildConsole(): Promise<ConsoleBundle> {
  const result = await build({ ...options, write: false, outdir: '/console-out' });
  const js = result.outputFiles.find((f) => f.path.endsWith('.js'));
  const css = result.outputFiles.find((f) => f.path.endsWith('.css'));
  if (js === undefined || css === undefined) throw new Error('console build produced no app.js/app.css');
  return { js: Buffer.from(js.contents), css: Buffer.from(css.contents) };
}

/** The same bundle as files under `<outDir>/console/` (index.html, app.js, app.css), synchronously (CDK asset bundling). */
export function writeConsoleFiles(outDir: string): void {
  const dir = join(outDir, 'console');
  mkdirSync(dir, { recursive: true });
  buildSync({ ...options, outdir: dir, entryNames: 'app' });
  writeFileSync(join(dir, 'index.html'), CONSOLE_HTML);
}
