// Section: the HTTP request path. Every contender answers the same trivial tool call
// (list_files, limit 1, bearer auth on) with the same JSON; wrk (pinned to the client core)
// hammers each in turn (server pinned to the other core) after a warm-up.
// Prints markdown on stdout. `--smoke`: 1-second runs, no warm-up.
import { parseArgs, progress } from "./lib/args.ts";
import { contenders, type Contender } from "./lib/contenders.ts";
import { int, ms, ratio, table } from "./lib/table.ts";
import { runWrk, wrkPath, type Target, type WrkResult } from "./lib/wrk.ts";

const { smoke } = parseArgs();
const CONNECTIONS = 32;
const SECONDS = smoke ? 1 : 10;
const WARMUP = smoke ? 0 : 2;

type Outcome = { result: WrkResult } | { note: string };

async function measure(c: Contender): Promise<Outcome> {
  const why = c.unavailable();
  if (why) return { note: why };
  if (!wrkPath()) return { note: "unavailable: wrk is not installed (bench/setup.sh installs it)" };
  let server;
  try {
    server = await c.start();
  } catch (err) {
    return { note: `failed to start: ${(err as Error).message}` };
  }
  try {
    const target = c.target(server);
    await check(target);
    if (WARMUP) await runWrk(target, { seconds: WARMUP, connections: CONNECTIONS });
    const result = await runWrk(target, { seconds: SECONDS, connections: CONNECTIONS });
    if (result.errors) return { note: `broken run: ${result.errors} errors or non-2xx responses in ${result.requests}` };
    return { result };
  } catch (err) {
    return { note: `failed: ${(err as Error).message}` };
  } finally {
    await server.stop();
  }
}

/** One request by hand first: a contender that answers wrongly is not measured. */
async function check(t: Target): Promise<void> {
  const res = await fetch(t.url, { method: "POST", headers: t.headers, body: t.body });
  const text = await res.text();
  if (res.status !== 200 || !text.includes('"a.txt"')) throw new Error(`unexpected answer ${res.status}: ${text.slice(0, 200)}`);
}

const results = new Map<string, Outcome>();
for (const c of contenders()) {
  progress(`http: ${c.name}`);
  results.set(c.key, await measure(c));
}
const rps = (key: string) => {
  const o = results.get(key);
  return o && "result" in o ? o.result.rps : NaN;
};

const rows = contenders().map((c) => {
  const o = results.get(c.key)!;
  if ("note" in o) return [c.name, o.note];
  const r = o.result;
  return [c.name, int(r.rps), ms(r.p50ms), ms(r.p99ms), ratio(r.rps, rps("raw")), ratio(r.rps, rps("starlette")), int(r.requests)];
});

const target = (label: string, a: string, b: string, min: number) => {
  const r = rps(a) / rps(b);
  const verdict = Number.isFinite(r) ? (r >= min ? "met" : "**not met**") : "not measured";
  return [label, Number.isFinite(r) ? ratio(rps(a), rps(b)) : "—", `≥ ${min}×`, verdict];
};

console.log(`## HTTP request path

Same trivial tool call (\`list_files\` with \`limit: 1\` on a store holding one file), same JSON
answer, bearer auth on. \`wrk -t1 -c${CONNECTIONS} -d${SECONDS}s\`${WARMUP ? ` after a ${WARMUP} s warm-up` : ""}, wrk pinned to core 1, server to core 0.
quiver runs as the compiled binary with \`--quiet --rate-limit 0\` (no access log, no per-token rate limit).

${table(["contender", "req/s", "p50", "p99", "vs raw Bun.serve", "vs Starlette", "requests"], rows, ["l", "r", "r", "r", "r", "r", "r"])}

${table(
  ["target", "measured", "goal", ""],
  [
    target("quiver REST (`/tools/call`) vs raw `Bun.serve`", "rest", "raw", 0.8),
    target("quiver REST (`/tools/call`) vs Starlette + Uvicorn", "rest", "starlette", 20),
    target("quiver MCP vs quiver REST", "mcp", "rest", 0.8),
  ],
  ["l", "r", "r", "l"],
)}
`);
