import * as z from 'zod';
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
      ESCALATION_BATCH_LIMIT: z.coerce.number().int().min(1).max(10_000).default(500),
      ESCALATION_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(8),
      ESCALATION_TIME_RESERVE_MS: z.coerce.number().int().min(0).max(600_000).default(10_000),
    }),
  );
  return { limit: config.ESCALATION_BATCH_LIMIT, concurrency: config.ESCALATION_CONCURRENCY, reserveMs: config.ESCALATION_TIME_RESERVE_MS };
}
