import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderOpenApi } from '#lib/http/openapi.ts';

/**
 * `npm run openapi`: writes openapi.json at the repository root from the zod schemas.
 * `--check` exits 1 instead when the committed file is stale (the test does the same).
 */

const OPENAPI_FILE = fileURLToPath(new URL('../openapi.json', import.meta.url));

const wanted = renderOpenApi();
let current: string | undefined;
try {
  current = readFileSync(OPENAPI_FILE, 'utf8');
} catch {
  current = undefined;
}
if (process.argv.includes('--check')) {
  if (current !== wanted) {
    process.stderr.write('openapi.json is stale: run npm run openapi\n');
    process.exit(1);
  }
  process.stdout.write('openapi.json is up to date\n');
} else if (current === wanted) {
  process.stdout.write('openapi.json is up to date\n');
} else {
  writeFileSync(OPENAPI_FILE, wanted);
  process.stdout.write(`wrote ${OPENAPI_FILE}\n`);
}
