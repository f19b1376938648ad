import { RouteNotFoundError } from '../../contract/errors.ts';
import type { HttpRoute } from '../http-handler.ts';

/**
 * API Gateway's `$default` route: a method and path no route takes. Without it the gateway
 * answers `{"message":"Not Found"}`; with it, the same problem (RFC 9457) as every other
 * refusal of this API. It reads nothing of the request but its method and path.
 */
export function routeNotFoundRoute(): HttpRoute {
  return async function routeNotFoundRoute(event) {
    throw new RouteNotFoundError(`No route for ${event.requestContext.http.method} ${event.rawPath}`);
  };
}
