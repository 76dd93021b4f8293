import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { loadConfig } from "../src/config.ts";
import { type Running, startBinary } from "./support/binary.ts";
import { QUIVER } from "./support/cli.ts";
import { type PgCluster, requirePostgres, startPostgres } from "./support/postgres.ts";
import { tempDir } from "./support/services.ts";

// The README's compose file for PostgreSQL and two replicas (issue 19). No image registry
// is reachable here (postgres and caddy cannot be pulled), so the file is checked against
// what it drives instead: its variables are ones quiver reads, the database URL matches
// the db service, the proxy reaches the port the image listens on — and two replicas
// started with exactly its quiver environment (plus the Dockerfile's ENV) share one
// PostgreSQL database, with the URL's host pointed at a throwaway cluster.
const ROOT = join(import.meta.dir, "..");
const readme = readFileSync(join(ROOT, "README.md"), "utf8");
const section = readme.slice(readme.indexOf("## Scaling out"));
const yamlText = /```yaml\n([\s\S]*?)```/.exec(section)![1]!;
const PASSWORD = "compose-secret";
const TOKEN = "compose-token-0123456789abcdef";
/** Compose's interpolation, for the forms the file uses: ${VAR}, ${VAR:?msg}, ${VAR:-default}. */
const interpolate = (text: string, vars: Record<string, string>) =>
  text.replace(/\$\{(\w+)(?::[?-][^}]*)?\}/g, (_, name: string) => vars[name] ?? "");
const compose = Bun.YAML.parse(
  interpolate(yamlText, { POSTGRES_PASSWORD: PASSWORD, QUIVER_TOKEN: TOKEN }),
) as any;
const { db, quiver, proxy } = compose.services;

/** The Dockerfile's ENV: what the image sets before the compose environment. */
function imageEnv(): Record<string, string> {
  const dockerfile = readFileSync(join(ROOT, "Dockerfile"), "utf8");
  const env = /^ENV ((?:.*\\\n)*.*)$/m.exec(dockerfile)![1]!.replace(/\\\n/g, " ");
  return Object.fromEntries([...env.matchAll(/(\w+)=(\S+)/g)].map((m) => [m[1]!, m[2]!]));
}

describe("the PostgreSQL compose file", () => {
  test("names only variables quiver reads, and they configure what the file expects", () => {
    const source = readFileSync(join(ROOT, "src", "config.ts"), "utf8");
    for (const name of Object.keys(quiver.environment)) expect(source).toContain(`env.${name}`);
    const config = loadConfig({}, { ...imageEnv(), ...quiver.environment });
    expect(config.databaseUrl).toBe(`postgres://quiver:${PASSWORD}@db:5432/quiver`);
    expect(config.host).toBe("0.0.0.0");
    expect(config.staticToken).toBe(TOKEN);
    // The proxy forwards to the port the image's quiver listens on.
    const to = /--to quiver:(\d+)/.exec(proxy.command)![1];
    expect(Number(to)).toBe(config.port);
    expect(proxy.command).toStartWith("caddy reverse-proxy --from :");
    expect(quiver.deploy.replicas).toBe(2);
    expect(quiver.build).toBe(".");
    expect(existsSync(join(ROOT, "Dockerfile"))).toBe(true);
  });

  test("the database URL matches the db service, which is healthy before quiver starts", () => {
    const url = new URL(quiver.environment.QUIVER_DATABASE_URL);
    expect(url.hostname).toBe("db");
    expect(url.username).toBe(db.environment.POSTGRES_USER);
    expect(url.password).toBe(db.environment.POSTGRES_PASSWORD);
    expect(url.pathname).toBe(`/${db.environment.POSTGRES_DB}`);
    expect(db.healthcheck.test).toEqual(["CMD", "pg_isready", "-U", db.environment.POSTGRES_USER]);
    expect(quiver.depends_on.db.condition).toBe("service_healthy");
  });
});

const run = requirePostgres();
let cluster: PgCluster;
const replicas: Running[] = [];
const dirs: string[] = [];
beforeAll(async () => {
  if (run) cluster = await startPostgres();
});
afterAll(async () => {
  for (const r of replicas) await r.stop();
  await cluster?.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe.if(run)("two replicas with the compose file's environment", () => {
  test("share one database: a file written through one is read through the other", async () => {
    // The db service's user and database, on a throwaway cluster (which trusts loopback:
    // the password is sent but not checked).
    const admin = new Bun.SQL(cluster.url);
    await admin.unsafe(`CREATE ROLE quiver LOGIN PASSWORD '${PASSWORD}'`);
    await admin.unsafe("CREATE DATABASE quiver OWNER quiver");
    await admin.close();
    const url = new URL(quiver.environment.QUIVER_DATABASE_URL);
    url.hostname = "127.0.0.1";
    url.port = String(cluster.port);
    const env = { ...imageEnv(), ...quiver.environment, QUIVER_DATABASE_URL: url.href };
    for (const name of ["a", "b"]) {
      const data = tempDir(`quiver-compose-${name}-`);
      dirs.push(data);
      // The image's command is `serve`; its port and data directory are the image's own.
      replicas.push(await startBinary(QUIVER, ["--data", data], { ...env, QUIVER_DATA: data }));
    }
    const [a, b] = replicas as [Running, Running];
    const auth = { authorization: `Bearer ${TOKEN}` };
    const put = await fetch(`${a.url}/files/notes/compose.md`, {
      method: "PUT",
      headers: auth,
      body: "# Compose\n\nBoth replicas see this.\n",
    });
    expect(put.status).toBeLessThan(300);
    const got = await fetch(`${b.url}/files/notes/compose.md`, { headers: auth });
    expect(got.status).toBe(200);
    expect(await got.text()).toContain("Both replicas see this.");
  }, 60_000);
});
