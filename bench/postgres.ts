// Section: quiver on PostgreSQL (issue 19). REST (`list_files`, limit 1) and search
// (`search`, a two-word question over a small corpus) throughput of one replica on SQLite,
// one on PostgreSQL, and two replicas on the same PostgreSQL database.
// The 2 cores are split as everywhere in this bench: the server side on core 0 — quiver's
// replica(s) *and* PostgreSQL (its postmaster and every backend) — wrk on core 1. On this
// machine a second replica therefore shares the first one's core: the two-replica row
// measures what a second replica costs or saves with no more CPU, not how far two
// machines scale. Each figure is the best of its rounds (a shared box only slows rounds).
// Prints markdown on stdout. `--smoke`: one 1-second round per contender.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "bun";
import { parseArgs, progress } from "./lib/args.ts";
import { requirePostgresForBench, startPostgres } from "./lib/postgres.ts";
import { AUTH, ensureBinary, TOKEN, tempDir } from "./lib/quiver.ts";
import { type Server, startServer } from "./lib/server.ts";
import { int, ms, ratio, table } from "./lib/table.ts";
import { CLIENT_CORE, pinSelf, SERVER_CORE, which } from "./lib/tools.ts";
import { runWrk, type Target, type WrkResult, wrkPath } from "./lib/wrk.ts";

const { smoke } = parseArgs();
pinSelf(CLIENT_CORE);
const SECONDS = smoke ? 1 : 3;
const ROUNDS = smoke ? 1 : 3;
const CONNECTIONS = 16;
const DOCS = smoke ? 20 : 300;

const out: string[] = ["## quiver on PostgreSQL", ""];
const print = () => process.stdout.write(`${out.join("\n")}\n`);

const why = !wrkPath()
  ? "wrk is not installed (bench/setup.sh installs it)"
  : requirePostgresForBench();
if (why) {
  out.push(`Not measured: ${why}.`);
  print();
  process.exit(0);
}

// The cluster's directory belongs to the unprivileged `postgres` user when we are root: it
// must be made where that user can reach it, not in the bench's private scratch directory
// (bench/run.ts points TMPDIR there, 0700). The cluster removes its directory itself.
const scratch = process.env.TMPDIR;
process.env.TMPDIR = "/tmp";
const cluster = await startPostgres().finally(() => {
  if (scratch === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = scratch;
});
pinPostgres(cluster.url);
const servers: Server[] = [];
try {
  const binary = ensureBinary();
  const serve = (name: string, env: Record<string, string>) =>
    startServer({
      name,
      cmd: [
        binary,
        "serve",
        "--port",
        "{port}",
        "--data",
        tempDir(name),
        "--quiet",
        "--rate-limit",
        "0",
      ],
      env: { QUIVER_TOKEN: TOKEN, NODE_ENV: "production", ...env },
    });
  const url = await cluster.createDatabase();
  progress("postgres: starting replicas");
  const sqlite = await serve("sqlite", {});
  const pgA = await serve("pg-a", { QUIVER_DATABASE_URL: url });
  const pgB = await serve("pg-b", { QUIVER_DATABASE_URL: url });
  servers.push(sqlite, pgA, pgB);
  for (const s of [sqlite, pgA]) await seedCorpus(s.url); // pgB shares pgA's database

  const rest = (s: Server): Target => ({
    url: `${s.url}/tools/call`,
    headers: { ...AUTH, "content-type": "application/json" },
    body: JSON.stringify({ name: "list_files", parameters: { limit: 1 } }),
  });
  const search = (s: Server): Target => ({
    url: `${s.url}/tools/search`,
    headers: { ...AUTH, "content-type": "application/json" },
    body: JSON.stringify({ query: "replication lag", limit: 5 }),
  });
  for (const t of [rest(sqlite), search(sqlite), rest(pgA), search(pgB)]) await check(t);

  const rows: (string | number | undefined)[][] = [];
  for (const [what, target] of [
    ["REST `list_files`", rest],
    ["`search`", search],
  ] as const) {
    progress(`postgres: ${what}`);
    const one = await best(() =>
      runWrk(target(sqlite), { seconds: SECONDS, connections: CONNECTIONS }),
    );
    const pg1 = await best(() =>
      runWrk(target(pgA), { seconds: SECONDS, connections: CONNECTIONS }),
    );
    const pg2 = await best(() => both(target(pgA), target(pgB)));
    rows.push([`${what}, SQLite, 1 replica`, int(one.rps), ms(one.p50ms), ms(one.p99ms), "1.00×"]);
    rows.push([
      `${what}, PostgreSQL, 1 replica`,
      int(pg1.rps),
      ms(pg1.p50ms),
      ms(pg1.p99ms),
      ratio(pg1.rps, one.rps),
    ]);
    rows.push([
      `${what}, PostgreSQL, 2 replicas`,
      int(pg2.rps),
      ms(pg2.p50ms),
      ms(pg2.p99ms),
      ratio(pg2.rps, one.rps),
    ]);
  }
  out.push(
    table(["contender", "req/s", "p50", "p99", "vs SQLite"], rows, ["l", "r", "r", "r", "r"]),
    "",
    `${DOCS} documents; ${CONNECTIONS} connections (split over the replicas), best of ${ROUNDS} × ${SECONDS} s.`,
    "Cores: quiver replica(s) and PostgreSQL on core 0, wrk on core 1 (two replicas share core 0).",
  );
} catch (err) {
  out.push(`The section failed: ${(err as Error).message}`);
} finally {
  for (const s of servers) await s.stop().catch(() => {});
  await cluster.stop();
}
print();

async function seedCorpus(base: string): Promise<void> {
  const topics = [
    "replication lag",
    "disk usage",
    "token rotation",
    "backup restore",
    "search ranking",
  ];
  for (let i = 0; i < DOCS; i++) {
    const topic = topics[i % topics.length]!;
    const body = `# Note ${i} on ${topic}\n\nWhat to do about ${topic}: check the dashboards, then page the owner.\n\n${"More detail follows here. ".repeat(20)}\n`;
    const res = await fetch(`${base}/files/notes/${i}.md`, { method: "PUT", headers: AUTH, body });
    if (res.status >= 300) throw new Error(`seeding failed: ${res.status}`);
  }
}

async function check(t: Target): Promise<void> {
  const res = await fetch(t.url, { method: "POST", headers: t.headers, body: t.body });
  if (res.status !== 200)
    throw new Error(`unexpected answer ${res.status}: ${(await res.text()).slice(0, 200)}`);
}

/** Two wrk runs at once, one per replica (half the connections each); their sum. */
async function both(a: Target, b: Target): Promise<WrkResult> {
  const half = { seconds: SECONDS, connections: CONNECTIONS / 2 };
  const [x, y] = await Promise.all([runWrk(a, half), runWrk(b, half)]);
  return {
    requests: x.requests + y.requests,
    seconds: Math.max(x.seconds, y.seconds),
    rps: x.rps + y.rps,
    p50ms: Math.max(x.p50ms, y.p50ms),
    p99ms: Math.max(x.p99ms, y.p99ms),
    errors: x.errors + y.errors,
    statusErrors: x.statusErrors + y.statusErrors,
  };
}

async function best(round: () => Promise<WrkResult>): Promise<WrkResult> {
  let top: WrkResult | undefined;
  for (let i = 0; i < ROUNDS; i++) {
    const r = await round();
    if (r.errors) throw new Error(`broken run: ${r.errors} errors in ${r.requests}`);
    if (!top || r.rps > top.rps) top = r;
  }
  return top!;
}

/** PostgreSQL's postmaster (and so every backend it forks) onto the server core. */
function pinPostgres(url: string): void {
  const taskset = which("taskset");
  if (!taskset) return;
  const dir = spawnSync(["psql", url, "-Atc", "SHOW data_directory"]).stdout.toString().trim();
  const pid = dir ? readFileSync(join(dir, "postmaster.pid"), "utf8").split("\n")[0] : undefined;
  if (pid) spawnSync([taskset, "-a", "-p", "-c", String(SERVER_CORE), pid], { stdout: "ignore" });
}
