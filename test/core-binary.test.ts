import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { copyFileSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "bun";
import { freePort } from "../bench/lib/server.ts";
import { buildBinary, startBinary } from "./support/binary.ts";
import { tempDir } from "./support/services.ts";

// The real executable, copied alone into an empty directory and run from another one:
// it must need nothing beside it.
let binary: string;
const work = tempDir("quiver-bin-");
beforeAll(() => {
  const built = buildBinary();
  binary = join(work, "quiver");
  copyFileSync(built, binary);
  spawnSync(["chmod", "+x", binary]);
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

const run = (args: string[], env: Record<string, string> = {}) => {
  const res = spawnSync([binary, ...args], {
    cwd: "/",
    env: { PATH: process.env.PATH!, ...env },
    stdout: "pipe",
    stderr: "pipe",
  });
  return { code: res.exitCode, out: res.stdout.toString(), err: res.stderr.toString() };
};

describe("the quiver binary", () => {
  test("the build leaves no source maps in dist/ (the binary embeds them)", () => {
    // `bun build --compile --sourcemap --splitting` writes a map per chunk beside the
    // binary, under a new hashed name every build; the binary does not read them (this
    // suite runs a copy alone in an empty directory), so `npm run build` removes them.
    const dist = join(import.meta.dir, "..", "dist");
    const stale = join(dist, "stale-chunk-0000.js.map");
    writeFileSync(stale, "{}");
    const res = spawnSync(["npm", "run", "postbuild"], {
      cwd: join(import.meta.dir, ".."),
      stdout: "pipe",
      stderr: "pipe",
    });
    expect(res.exitCode, res.stderr.toString()).toBe(0);
    expect(readdirSync(dist).filter((f) => f.endsWith(".map"))).toEqual([]);
    expect(statSync(join(dist, "quiver")).isFile()).toBe(true);
  });

  test("--help lists the commands", () => {
    const { code, out } = run(["--help"]);
    expect(code).toBe(0);
    for (const cmd of ["serve", "token", "tools", "healthcheck", "version"])
      expect(out).toContain(cmd);
  });

  test("version prints quiver's and Bun's versions", () => {
    const { code, out } = run(["version"]);
    expect(code).toBe(0);
    const pkg = JSON.parse(readFileSync(join(import.meta.dir, "..", "package.json"), "utf8"));
    expect(out.trim()).toBe(`quiver ${pkg.version} (bun ${pkg.devDependencies.bun})`);
  });

  test("an unknown command exits 2 with the help", () => {
    const { code, err } = run(["frobnicate"]);
    expect(code).toBe(2);
    expect(err).toContain('unknown command "frobnicate"');
  });

  test("first start: admin token printed once, stored as hash, written 0600; restart keeps data", async () => {
    const data = join(work, "data1");
    const first = await startBinary(binary, ["--data", data], {}, "/");
    const token = readFileSync(join(data, "admin.token"), "utf8").trim();
    expect(token).toStartWith("qv_");
    expect(statSync(join(data, "admin.token")).mode & 0o777).toBe(0o600);
    expect(first.stderr()).toContain(`admin token: ${token}`);

    const auth = { authorization: `Bearer ${token}` };
    const put = await fetch(`${first.url}/files/docs/hello.md`, {
      method: "PUT",
      headers: auth,
      body: "# Hello\nworld\n",
    });
    expect(put.status).toBe(201);
    const call = await fetch(`${first.url}/tools/call`, {
      method: "POST",
      headers: { ...auth, "content-type": "application/json" },
      body: JSON.stringify({ name: "list_files", parameters: {} }),
    });
    expect(((await call.json()) as any).files.map((f: { path: string }) => f.path)).toEqual([
      "docs/hello.md",
    ]);
    expect(await first.stop("SIGTERM")).toBe(0);

    const second = await startBinary(binary, ["--data", data], {}, "/");
    expect(second.stderr()).not.toContain("admin token:");
    const read = await fetch(`${second.url}/files/docs/hello.md`, { headers: auth });
    expect(await read.text()).toBe("# Hello\nworld\n");
    expect(await second.stop()).toBe(0);
    // the token itself never appears in the access log
    expect(second.stderr().split(token).length).toBe(1);
  });

  test("flags win over environment; QUIVER_TOKEN is an admin token", async () => {
    const envData = join(work, "env-data");
    const flagData = join(work, "flag-data");
    const envPort = await freePort();
    const server = await startBinary(
      binary,
      ["--data", flagData],
      {
        QUIVER_DATA: envData,
        QUIVER_PORT: String(envPort),
        QUIVER_TOKEN: "env-token-0123456789abcdef",
      },
      "/",
    );
    expect(server.url).not.toContain(`:${envPort}`);
    const res = await fetch(`${server.url}/tools`, {
      headers: { authorization: "Bearer env-token-0123456789abcdef" },
    });
    expect(res.status).toBe(200);
    await fetch(`${server.url}/files/x.txt`, {
      method: "PUT",
      headers: { authorization: "Bearer env-token-0123456789abcdef" },
      body: "x",
    });
    await server.stop();
    expect(statSync(join(flagData, "quiver.db")).isFile()).toBe(true);
    expect(() => statSync(join(envData, "quiver.db"))).toThrow();
    // with QUIVER_TOKEN set, no token is generated
    expect(() => statSync(join(flagData, "admin.token"))).toThrow();
  });

  test("token create / list / revoke from the command line, beside a running server", async () => {
    const data = join(work, "tokens");
    // The server makes the store; token commands refuse a directory without one.
    const server = await startBinary(binary, ["--data", data, "--quiet"], {
      QUIVER_TOKEN: "static-admin-token-0123456789",
    });
    const created = run([
      "token",
      "create",
      "--name",
      "ci-bot",
      "--scope",
      "write",
      "--data",
      data,
    ]);
    expect(created.code).toBe(0);
    const secret = created.out.trim();
    expect(secret).toStartWith("qv_");
    const list = run(["token", "list", "--data", data]);
    expect(list.out).toContain("ci-bot");
    expect(list.out).toContain("write");
    expect(list.out).not.toContain(secret);
    const id = JSON.parse(run(["token", "list", "--json", "--data", data]).out).find(
      (t: { name: string }) => t.name === "ci-bot",
    ).id;

    const auth = { authorization: `Bearer ${secret}` };
    expect(
      (await fetch(`${server.url}/files/a.txt`, { method: "PUT", headers: auth, body: "a" }))
        .status,
    ).toBe(201);
    expect(run(["token", "revoke", id, "--data", data]).code).toBe(0);
    // revocation from another process is seen by the running server at once
    const after = await fetch(`${server.url}/files/a.txt`, { headers: auth });
    expect(after.status).toBe(401);
    await server.stop();

    const bad = run(["token", "create", "--name", "x", "--scope", "root", "--data", data]);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain("--scope must be one of read, write, admin");
  });

  test("healthcheck exits 0 against a live server and 1 otherwise", async () => {
    const data = join(work, "hc");
    const server = await startBinary(binary, ["--data", data, "--quiet"], {
      QUIVER_TOKEN: "static-admin-token-0123456789",
    });
    const port = new URL(server.url).port;
    expect(run(["healthcheck", "--port", port]).code).toBe(0);
    await server.stop();
    expect(run(["healthcheck", "--port", port]).code).toBe(1);
  });

  test("bad configuration is a clear error, not a stack trace", () => {
    const { code, err } = run(["serve", "--port", "99999", "--data", join(work, "bad")]);
    expect(code).toBe(2);
    expect(err).toContain("port must be an integer");
    expect(err).not.toContain("    at ");
  });
});
