/*
 * A throwaway PostgreSQL cluster for the tests that run quiver on PostgreSQL (issue 19):
 * Debian's server binaries (.ci/install-postgres.sh installs them), initdb and pg_ctl in a
 * temp dir, listening on 127.0.0.1 only, on a port of its own (tried until one is free:
 * PostgreSQL cannot bind port 0). Run as root, the cluster belongs to the unprivileged
 * `postgres` user the package creates (initdb refuses root). Trust authentication on
 * loopback: the cluster lives only as long as the test file. fsync is off for speed on
 * these disks: the tests kill processes, not machines, and what quiver itself asks of the
 * server (synchronous_commit and its transactions) is unaffected.
 */

import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { spawnSync } from "bun";

/** The newest installed server's bin directory, if any (/usr/lib/postgresql/<major>/bin). */
export const PG_BIN: string | undefined = (() => {
  const root = "/usr/lib/postgresql";
  if (!existsSync(root)) return undefined;
  const majors = readdirSync(root)
    .filter((v) => existsSync(join(root, v, "bin", "initdb")))
    .sort((a, b) => Number(b) - Number(a));
  return majors[0] ? join(root, majors[0], "bin") : undefined;
})();

/**
 * Fails under CI=true when PostgreSQL is missing (CI installs it, so its absence is a
 * broken run, not a reason to skip); elsewhere the caller skips and says so.
 */
export function requirePostgres(): boolean {
  if (PG_BIN) return true;
  if (process.env.CI === "true")
    throw new Error("PostgreSQL is missing: .ci/install-postgres.sh should have installed it");
  console.warn("PostgreSQL tests skipped: no server installed (run .ci/install-postgres.sh)");
  return false;
}

export interface PgCluster {
  /** postgres://postgres@127.0.0.1:<port>/postgres — the maintenance database. */
  url: string;
  port: number;
  /** A fresh, empty database of its own, as a URL (one per test that wants isolation). */
  createDatabase(name?: string): Promise<string>;
  stop(): Promise<void>;
}

const asRoot = userInfo().uid === 0;

/** Runs a server binary as the cluster's owner: `postgres` when we are root. */
function pg(cmd: string, args: string[]) {
  const full = [join(PG_BIN!, cmd), ...args];
  const res = spawnSync(asRoot ? ["runuser", "-u", "postgres", "--", ...full] : full, {
    stdout: "pipe",
    stderr: "pipe",
  });
  return { ok: res.exitCode === 0, output: `${res.stdout}${res.stderr}` };
}

let databases = 0;

export async function startPostgres(): Promise<PgCluster> {
  if (!PG_BIN) throw new Error("PostgreSQL is not installed (run .ci/install-postgres.sh)");
  const dir = mkdtempSync(join(tmpdir(), "quiver-pg-"));
  if (asRoot) {
    const { uid, gid } = ownerOf("postgres");
    chownSync(dir, uid, gid);
  }
  chmodSync(dir, 0o700);
  const data = join(dir, "data");
  const init = pg("initdb", [
    "-D",
    data,
    "-U",
    "postgres",
    "-A",
    "trust",
    "-E",
    "UTF8",
    "--locale=C",
    "--no-sync",
  ]);
  if (!init.ok) throw new Error(`initdb failed: ${init.output}`);

  let port = 0;
  for (let attempt = 0; attempt < 20 && !port; attempt++) {
    const candidate = 20000 + Math.floor(Math.random() * 40000);
    const options = `-c listen_addresses=127.0.0.1 -p ${candidate} -k ${dir} -c max_connections=200 -c fsync=off -c full_page_writes=off`;
    const started = pg("pg_ctl", [
      "-D",
      data,
      "-o",
      options,
      "-l",
      join(dir, "log"),
      "-w",
      "start",
    ]);
    if (started.ok) port = candidate;
  }
  if (!port) throw new Error(`PostgreSQL did not start: see ${join(dir, "log")}`);

  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  return {
    url,
    port,
    async createDatabase(name = `quiver_test_${process.pid}_${++databases}`) {
      const admin = new Bun.SQL(url);
      try {
        await admin.unsafe(`CREATE DATABASE "${name.replaceAll('"', "")}"`);
      } finally {
        await admin.close();
      }
      return `postgres://postgres@127.0.0.1:${port}/${name}`;
    },
    async stop() {
      pg("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function ownerOf(user: string): { uid: number; gid: number } {
  const res = spawnSync(["id", "-u", user]);
  const gres = spawnSync(["id", "-g", user]);
  if (res.exitCode !== 0) throw new Error(`no user ${user}: is the postgresql package installed?`);
  return { uid: Number(res.stdout.toString()), gid: Number(gres.stdout.toString()) };
}
