import { httpHandler } from '#lib/http/http-handler.ts';
import { routeNotFoundRoute } from '#lib/http/routes/route-not-found.ts';

/** `$default` (no auth): a request no route matches, answered 404 as a problem. */
export const handler = httpHandler(routeNotFoundRoute());
