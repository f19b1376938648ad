import { httpHandler } from '#lib/http/http-handler.ts';
import { addEvidenceRoute } from '#lib/http/routes/add-evidence.ts';
import { addEvidenceDeps } from '#lib/wiring.ts';

/** POST /cases/{id}/evidence (JWT, If-Match): staff evidence, then the rule chain again. */
export const handler = httpHandler(addEvidenceRoute(addEvidenceDeps()));
