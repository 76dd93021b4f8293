import { QuiverError } from "../errors.ts";

/**
 * Per-token token bucket: `perSecond` sustained, bursts up to `burst`. In memory, per
 * process — a replica limits its own share. 0 disables it.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    readonly perSecond: number,
    readonly burst: number = Math.max(1, perSecond * 10),
  ) {}

  take(key: string, now = performance.now()): void {
    if (this.perSecond <= 0) return;
    let b = this.buckets.get(key);
    if (!b) {
      if (this.buckets.size > 10_000) this.buckets.clear(); // bounded memory
      b = { tokens: this.burst, at: now };
      this.buckets.set(key, b);
    }
    b.tokens = Math.min(this.burst, b.tokens + ((now - b.at) / 1000) * this.perSecond);
    b.at = now;
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return;
    }
    const retryAfter = Math.max(1, Math.ceil((1 - b.tokens) / this.perSecond));
    throw new QuiverError(
      429,
      "rate_limited",
      `too many requests for this token (limit ${this.perSecond}/s, bursts of ${this.burst}); retry in ${retryAfter}s`,
      {
        "retry-after": String(retryAfter),
      },
    );
  }
}
