import { localFunctions } from '../functions.ts';
import { createSellerStaffTraffic } from './seller-staff-traffic.ts';
import type { Random } from './random.ts';
import type { Recorder } from './stats.ts';
import type { WebhookModel } from './webhook-traffic.ts';

/**
 * Seller staff traffic for the soak, as a plug-in: the driver asks `loadStaffTraffic` and
 * runs the module it gets, or reports why there is none. It needs the seller API's `/cases`
 * routes (JWT-protected) registered in local/functions.ts; tokens are minted in-process by
 * local/dev-auth.ts, the code `npm run token` runs (see local/soak/seller-staff-traffic.ts).
 */

export type TrafficModule = {
  readonly name: string;
  /** Sends one operation (does not wait for the answer). */
  tick(): void;
  /** Waits for operations still in flight. */
  settle(timeoutMs: number): Promise<void>;
  readonly pending: number;
  /** What it did, by operation and outcome, for the report. */
  summary(): Record<string, unknown>;
  /** Requests that had to be refused but were not (e.g. a stale ETag that was not a 412). */
  wrongRefusals(): string[];
};

export type StaffTrafficContext = {
  baseUrl: string;
  recorder: Recorder;
  random: Random;
  webhooks: WebhookModel;
  sellers: readonly string[];
};

const needed = ['GET /cases', 'GET /cases/{id}', 'POST /cases/{id}/evidence', 'POST /cases/{id}/approve', 'POST /cases/{id}/override'];

/** The JWT-protected seller API routes the local runtime serves. */
export function sellerApiRoutes(): string[] {
  return localFunctions.flatMap((fn) => (fn.kind === 'http' && 'auth' in fn && fn.auth === 'jwt' ? [`${fn.method} ${fn.path}`] : []));
}

export async function loadStaffTraffic(context: StaffTrafficContext): Promise<{ module?: TrafficModule; reason: string }> {
  const routes = sellerApiRoutes();
  const missing = needed.filter((route) => !routes.includes(route));
  if (missing.length > 0) return { reason: `seller API incomplete in local/functions.ts: missing ${missing.join(', ')}` };
  return { module: await createSellerStaffTraffic(context, routes), reason: `seller API: ${routes.length} JWT routes` };
}
