import * as z from 'zod/mini';
import { loadConfig } from '../config.ts';
import type { EscalateStaleCasesOptions } from '../use-cases/escalate-stale-cases.ts';

export type EscalationSettings = Pick<EscalateStaleCasesOptions, 'limit' | 'concurrency' | 'reserveMs'>;

/**
 * Per-run bounds of escalate-stale-cases. ESCALATION_BATCH_LIMIT caps cases per run (the
 * rest wait for the next run); ESCALATION_TIME_RESERVE_MS is the time left at which no new
 * case is started.
 */
export function escalationSettings(): EscalationSettings {
  const config = loadConfig(
    z.object({
      ESCALATION_BATCH_LIMIT: z._default(z.coerce.number().check(z.int(), z.gte(1), z.lte(10_000)), 500),
      ESCALATION_CONCURRENCY: z._default(z.coerce.number().check(z.int(), z.gte(1), z.lte(64)), 8),
      ESCALATION_TIME_RESERVE_MS: z._default(z.coerce.number().check(z.int(), z.gte(0), z.lte(600_000)), 10_000),
    }),
  );
  return { limit: config.ESCALATION_BATCH_LIMIT, concurrency: config.ESCALATION_CONCURRENCY, reserveMs: config.ESCALATION_TIME_RESERVE_MS };
}
