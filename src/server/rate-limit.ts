import { QuiverError } from "../errors.ts";

/**
 * Token buckets per key (a token id, a client address): `perSecond` sustained, bursts up
 * to `burst`. In memory, per process — a replica limits its own share. 0 disables it.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    readonly perSecond: number,
    /** What the 429's message says is limited, e.g. "requests for this token". */
    private readonly what: string,
    readonly burst: number = Math.max(1, perSecond * 10),
  ) {}

  /** Spends one request, or throws 429 with Retry-After when the bucket is empty. */
  take(key: string, now = performance.now()): void {
    if (this.perSecond <= 0) return;
    const b = this.refill(key, now);
    if (b.tokens < 1) throw this.limited(b.tokens);
    b.tokens -= 1;
  }

  /** Throws 429 when the bucket is empty, without spending (checked before the work). */
  check(key: string, now = performance.now()): void {
    if (this.perSecond <= 0) return;
    const b = this.refill(key, now);
    if (b.tokens < 1) throw this.limited(b.tokens);
  }

  /**
   * `check` for a key that costs something to work out (a client's address is a system
   * call, ~1.5 µs a request): worked out only while some key has spent and not yet
   * refilled. A bucket that has refilled is dropped, which is the same as no bucket (a
   * new one starts full), so on a server nobody is guessing tokens at this stays free.
   */
  checkLazily(keyOf: () => string, now = performance.now()): void {
    if (this.perSecond <= 0 || this.buckets.size === 0) return;
    const key = keyOf();
    if (!this.buckets.has(key)) return;
    const b = this.refill(key, now);
    if (b.tokens >= this.burst) this.buckets.delete(key);
    else if (b.tokens < 1) throw this.limited(b.tokens);
  }

  /** How many keys hold a bucket (for tests: what checkLazily keeps). */
  get size(): number {
    return this.buckets.size;
  }

  /** Spends one without refusing (counted after the work, e.g. a failed authentication). */
  spend(key: string, now = performance.now()): void {
    if (this.perSecond <= 0) return;
    const b = this.refill(key, now);
    b.tokens = Math.max(0, b.tokens - 1);
  }

  private refill(key: string, now: number) {
    let b = this.buckets.get(key);
    if (!b) {
      if (this.buckets.size > 10_000) this.buckets.clear(); // bounded memory
      b = { tokens: this.burst, at: now };
      this.buckets.set(key, b);
    }
    b.tokens = Math.min(this.burst, b.tokens + ((now - b.at) / 1000) * this.perSecond);
    b.at = now;
    return b;
  }

  private limited(tokens: number): QuiverError {
    const retryAfter = Math.max(1, Math.ceil((1 - tokens) / this.perSecond));
    return new QuiverError(
      429,
      "rate_limited",
      `too many ${this.what} (limit ${this.perSecond}/s, bursts of ${this.burst}); retry in ${retryAfter}s`,
      { "retry-after": String(retryAfter) },
    );
  }
}
