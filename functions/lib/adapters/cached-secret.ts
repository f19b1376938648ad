import type { Clock } from '../ports/clock.ts';

/**
 * A secret value read through a cache that expires (TTL), so a rotation reaches warm functions
 * without a redeploy; `fresh: true` skips the cache (after the provider said the value is
 * wrong). Concurrent readers share one read. The value is never logged here.
 */
export class CachedSecret {
  readonly #load: () => Promise<string>;
  readonly #ttlMs: number;
  readonly #clock: Clock;
  #cached: { value: Promise<string>; until: number } | undefined;

  constructor(load: () => Promise<string>, options: { ttlMs: number; clock: Clock }) {
    this.#load = load;
    this.#ttlMs = options.ttlMs;
    this.#clock = options.clock;
  }

  get(options: { fresh?: boolean } = {}): Promise<string> {
    const now = this.#clock.now().getTime();
    if (options.fresh || this.#cached === undefined || this.#cached.until <= now) {
      const value = this.#load();
      this.#cached = { value, until: now + this.#ttlMs };
      // A failed read is not cached: the next caller tries again.
      value.catch(() => {
        if (this.#cached?.value === value) this.#cached = undefined;
      });
    }
    return this.#cached.value;
  }
}
