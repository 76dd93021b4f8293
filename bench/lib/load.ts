import type { Target } from "./wrk.ts";

/**
 * Exactly `count` requests with `concurrency` in flight, from this process (fetch with
 * keep-alive). For memory batches, where an exact count matters more than speed.
 */
export async function hammer(
  target: Target,
  count: number,
  concurrency = 32,
): Promise<{ seconds: number; failures: number }> {
  let next = 0;
  let failures = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < count) {
      next++;
      const res = await fetch(target.url, {
        method: "POST",
        headers: target.headers,
        body: target.body,
      });
      await res.arrayBuffer();
      if (res.status !== 200) failures++;
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return { seconds: (performance.now() - started) / 1000, failures };
}
