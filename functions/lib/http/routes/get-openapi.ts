import { buildOpenApiDocument } from '../openapi.ts';
import type { HttpRoute } from '../http-handler.ts';

/** `GET /openapi.json`, unauthenticated: the API document, built once per container. */
export function getOpenApiRoute(): HttpRoute {
  let document: Record<string, unknown> | undefined;
  return async function getOpenApiRoute() {
    document ??= buildOpenApiDocument();
    return { statusCode: 200, headers: { 'cache-control': 'public, max-age=300' }, body: document };
  };
}
