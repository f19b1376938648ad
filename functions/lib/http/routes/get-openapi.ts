import document from '../../../../openapi.json' with { type: 'json' };
import type { HttpRoute } from '../http-handler.ts';

/**
 * `GET /openapi.json`, unauthenticated: the API document as committed. It is generated from
 * the zod schemas and the manifest (functions/lib/http/openapi.ts, `npm run openapi`), and a
 * test fails when the committed file is stale, so serving the file serves the code's contract
 * without building it in the Lambda.
 */
export function getOpenApiRoute(): HttpRoute {
  return async function getOpenApiRoute() {
    return { statusCode: 200, headers: { 'cache-control': 'public, max-age=300' }, body: document as Record<string, unknown> };
  };
}
