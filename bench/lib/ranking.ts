/**
 * Asks `search` again until its answer no longer says `ranking_warming_up`: the search
 * thread has built the ranked index (until then FTS5 answers, and says so), so what is timed
 * from then on is the ranked engine a server that has been up a few seconds runs. Gives up
 * after `timeoutMs`. Says how long it waited and whether the index was built.
 */
export async function untilRanked(
  search: () => Promise<unknown>,
  { timeoutMs = 120_000, pollMs = 50 } = {},
): Promise<{ seconds: number; ranked: boolean }> {
  const start = performance.now();
  for (;;) {
    const answer = (await search()) as { ranking_warming_up?: boolean } | undefined;
    const seconds = (performance.now() - start) / 1000;
    if (answer?.ranking_warming_up !== true) return { seconds, ranked: true };
    if (seconds * 1000 >= timeoutMs) return { seconds, ranked: false };
    await Bun.sleep(pollMs);
  }
}
