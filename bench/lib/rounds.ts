import { cpuSecondsOf } from "./server.ts";
import { median } from "./table.ts";

/**
 * One measured round of one contender: its throughput, and the server's CPU time per
 * request answered (utime + stime of the server process over the round / requests).
 */
export interface Round {
  rps: number;
  /** Server CPU µs per request. */
  cpuUs: number;
}

/**
 * Runs `load` against the server `pid` and adds the server's CPU time per request to what
 * it returns. On a machine other work shares, a round's req/s moves with whatever else
 * runs (one contender's rounds spread 13k–23k req/s in a quiet run), while the CPU the
 * server spends per request barely does: it is the figure the ratios can rest on.
 *
 * A round in which not one request completed measures nothing (its CPU per request is
 * 0/0); seen on a machine whose cores other processes held for the whole of a 1 s round.
 * It is run again, up to `tries` times in all.
 */
export async function withServerCpu<R extends { requests: number }>(
  pid: number,
  load: () => Promise<R>,
  tries = 3,
): Promise<R & { cpuUs: number }> {
  for (let attempt = 1; ; attempt++) {
    const before = cpuSecondsOf(pid);
    const r = await load();
    const cpuUs = ((cpuSecondsOf(pid) - before) * 1e6) / r.requests;
    if (r.requests > 0 || attempt >= tries) return { ...r, cpuUs };
  }
}

/**
 * The order round `round` (0-based) visits the contenders in: forward, then backward, so
 * that a drift of the machine during the run favours no one (ABBA).
 */
export function roundOrder<T>(items: T[], round: number): T[] {
  return round % 2 ? [...items].reverse() : items;
}

/**
 * a / b as the median of per-round ratios, rounds paired by index (both ran in the same
 * round, minutes apart at most): throughput a/b, and for CPU b's µs per request over a's,
 * so that both read "a does this fraction of b's work per unit of time".
 */
export function roundRatios(a: Round[], b: Round[]): { rps: number; cpu: number } {
  const n = Math.min(a.length, b.length);
  if (!n) return { rps: NaN, cpu: NaN };
  const idx = [...Array(n).keys()];
  return {
    rps: median(idx.map((i) => a[i]!.rps / b[i]!.rps)),
    cpu: median(idx.map((i) => b[i]!.cpuUs / a[i]!.cpuUs)),
  };
}

/** A ratio against its goal: "met", "**not met**" or "not measured". */
export function verdict(r: number, min: number): string {
  if (!Number.isFinite(r)) return "not measured";
  return r >= min ? "met" : "**not met**";
}

/** µs with one decimal. */
export const us = (n: number) => (Number.isFinite(n) ? `${n.toFixed(1)} µs` : "—");
