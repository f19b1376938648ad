import { httpHandler } from '#lib/http/http-handler.ts';
import { getOpenApiRoute } from '#lib/http/routes/get-openapi.ts';

/** GET /openapi.json (no auth): the OpenAPI 3.1 document generated from the zod schemas. */
export const handler = httpHandler(getOpenApiRoute());
