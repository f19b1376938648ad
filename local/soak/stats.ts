/**
 * What the soak records about every request it sends: kind, status, latency and when it
 * ran (to tell apart answers given inside a fault window from the rest). Kept in memory; a
 * ten-minute run at 10 requests per second is a few thousand entries.
 */

export type RequestRecord = {
  /** Traffic kind, e.g. `webhook.new`, `webhook.malformed`, `staff.approve`. */
  readonly kind: string;
  /** HTTP status, or 0 when no answer came (connection error, client timeout). */
  readonly status: number;
  readonly startedAt: number;
  readonly endedAt: number;
  /** A request the system must accept as valid (it may still refuse it with a 4xx by rule). */
  readonly wellFormed: boolean;
  /** Marketplace retry of an earlier request that got a 5xx or no answer. */
  readonly retry?: boolean;
  readonly note?: string;
};

export type LatencySummary = { count: number; p50: number; p95: number; p99: number; max: number };

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] ?? 0;
}

export function summarizeLatency(durations: readonly number[]): LatencySummary {
  const sorted = [...durations].sort((a, b) => a - b);
  return {
    count: sorted.length,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted.at(-1) ?? 0,
  };
}

export class Recorder {
  readonly records: RequestRecord[] = [];
  #inFlight = 0;

  get inFlight(): number {
    return this.#inFlight;
  }

  /** Runs `send`, timing it; the status it resolves with is recorded under `kind`. */
  async time(
    kind: string,
    wellFormed: boolean,
    send: () => Promise<number>,
    extra: { retry?: boolean; note?: string } = {},
  ): Promise<number> {
    const startedAt = Date.now();
    this.#inFlight += 1;
    let status = 0;
    try {
      status = await send();
    } catch {
      status = 0;
    } finally {
      this.#inFlight -= 1;
      this.records.push({ kind, status, startedAt, endedAt: Date.now(), wellFormed, ...extra });
    }
    return status;
  }

  /** Requests by kind and status class, e.g. { 'webhook.new': { '202': 120, '500': 1 } }. */
  byKindAndStatus(): Record<string, Record<string, number>> {
    const table: Record<string, Record<string, number>> = {};
    for (const r of this.records) {
      const row = table[r.kind] ?? {};
      table[r.kind] = row;
      row[String(r.status)] = (row[String(r.status)] ?? 0) + 1;
    }
    return Object.fromEntries(Object.entries(table).sort(([a], [b]) => a.localeCompare(b)));
  }

  latencyByKind(): Record<string, LatencySummary> {
    const durations = new Map<string, number[]>();
    for (const r of this.records) {
      if (r.status === 0) continue;
      const list = durations.get(r.kind) ?? [];
      list.push(r.endedAt - r.startedAt);
      durations.set(r.kind, list);
    }
    const all = this.records.filter((r) => r.status !== 0).map((r) => r.endedAt - r.startedAt);
    return {
      all: summarizeLatency(all),
      ...Object.fromEntries([...durations].sort(([a], [b]) => a.localeCompare(b)).map(([kind, list]) => [kind, summarizeLatency(list)])),
    };
  }

  counts(): { total: number; c2xx: number; c4xx: number; c5xx: number; none: number } {
    const c = { total: 0, c2xx: 0, c4xx: 0, c5xx: 0, none: 0 };
    for (const r of this.records) {
      c.total += 1;
      if (r.status === 0) c.none += 1;
      else if (r.status >= 500) c.c5xx += 1;
      else if (r.status >= 400) c.c4xx += 1;
      else c.c2xx += 1;
    }
    return c;
  }
}
