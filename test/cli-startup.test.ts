import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { spawn } from "bun";
import { oneLine, QUIVER, runCli } from "./support/cli.ts";
import { tempDir } from "./support/services.ts";

// The first hour of a new user: every way `quiver serve` can fail to start is one line
// saying what is wrong and what to do, a non-zero exit, and no stack trace.
const work = tempDir("quiver-startup-");
afterAll(() => rmSync(work, { recursive: true, force: true }));
const fresh = (name: string) => join(work, name);

describe("quiver serve that cannot start", () => {
  test("port in use: one line naming the port; no admin token was made", async () => {
    const holder = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("busy") });
    const port = holder.port!;
    const data = fresh("busy");
    const res = runCli(["serve", "--port", String(port), "--data", data]);
    holder.stop(true);
    expect(res.code).toBe(1);
    expect(oneLine(res.err)).toBe(
      `quiver: 127.0.0.1:${port} is already in use (another quiver?); stop that server or choose another --port`,
    );
    // The admin token is made once the server listens: none was printed or saved.
    expect(existsSync(join(data, "admin.token"))).toBe(false);
    expect(runCli(["token", "list", "--json", "--data", data]).out).toBe("[]\n");
  });

  test("with --port 0 the first-run admin token's curl line names the port actually bound", async () => {
    const data = fresh("first");
    const proc = spawn([...QUIVER, "serve", "--port", "0", "--data", data], {
      env: { PATH: process.env.PATH! },
      stderr: "pipe",
    });
    let err = "";
    const decoder = new TextDecoder();
    for await (const chunk of proc.stderr) {
      err += decoder.decode(chunk);
      if (/"msg":"listening"/.test(err)) break;
    }
    proc.kill();
    await proc.exited;
    const url = /"url":"([^"]+)"/.exec(err)![1]!;
    expect(url).not.toEndWith(":0");
    const secret = readFileSync(join(data, "admin.token"), "utf8").trim();
    expect(err).toContain(`curl -H "Authorization: Bearer ${secret}" ${url}/tools`);
  });

  test("an address that is not this machine's: one line saying which --host works", () => {
    // 192.0.2.0/24 is reserved for documentation: no machine has it.
    const res = runCli(["serve", "--host", "192.0.2.1", "--port", "0", "--data", fresh("addr")]);
    expect(res.code).toBe(1);
    expect(oneLine(res.err)).toContain("cannot listen on 192.0.2.1");
    expect(res.err).toContain("use --host 127.0.0.1");
    expect(existsSync(join(fresh("addr"), "admin.token"))).toBe(false);
  });

  test("a data directory that cannot be created: one line naming it", () => {
    // procfs refuses new directories, also to root.
    const res = runCli(["serve", "--port", "0", "--data", "/proc/quiver-test/data"]);
    expect(res.code).toBe(1);
    expect(oneLine(res.err)).toStartWith(
      "quiver: cannot create the data directory /proc/quiver-test/data (",
    );
    expect(res.err).toContain("choose another --data");
  });

  test("--data naming a file, or a path under a file: one line", () => {
    const file = fresh("notes.txt");
    writeFileSync(file, "not a directory");
    const direct = runCli(["serve", "--port", "0", "--data", file]);
    expect(direct.code).toBe(1);
    expect(oneLine(direct.err)).toBe(
      `quiver: the data directory ${file} is a file; give --data (or QUIVER_DATA) a directory that holds, or is to hold, quiver's data`,
    );
    const under = runCli(["serve", "--port", "0", "--data", join(file, "sub")]);
    expect(under.code).toBe(1);
    expect(oneLine(under.err)).toContain("(a parent is a file)");
  });

  test.each([
    [["--port", "-1"], 'quiver: port must be an integer 0-65535, got "-1"'],
    [["-p", "-1"], 'quiver: port must be an integer 0-65535, got "-1"'],
    [
      ["--rate-limit", "-5"],
      'quiver: rate limit must be a whole number of requests per second (0 = off), got "-5"',
    ],
  ])("serve %j: the option's own one-line error, exit 2", (args, line) => {
    const res = runCli(["serve", ...args, "--data", fresh("neg")]);
    expect(res.code).toBe(2);
    expect(oneLine(res.err)).toBe(line);
    expect(existsSync(fresh("neg"))).toBe(false);
  });
});

describe("commands that need an existing store", () => {
  const wrong = fresh("wrong-dir");
  mkdirSync(wrong);
  test.each([
    [["token", "create", "--name", "ci", "--data", wrong]],
    [["token", "list", "--data", wrong]],
    [["token", "revoke", "tok_000000000000", "--data", wrong]],
    [["search", "anything", "--data", wrong]],
    [["check", "--data", wrong]],
    [["worker", "--data", wrong]],
    [["token", "list", "--data", fresh("missing")]],
  ])("%j refuses a directory without a quiver database and creates nothing", (args) => {
    const res = runCli(args);
    expect(res.code).toBe(1);
    expect(oneLine(res.err)).toContain("holds no quiver database (no quiver.db); pass --data");
    expect(readdirSync(wrong)).toEqual([]);
    expect(existsSync(fresh("missing"))).toBe(false);
  });

  test("serve, mcp and index make the store where told", () => {
    const tree = fresh("tree");
    mkdirSync(tree);
    writeFileSync(join(tree, "a.md"), "# A\n");
    const res = runCli(["index", tree, "--data", fresh("made-by-index"), "--json"]);
    expect(res.code).toBe(0);
    expect(existsSync(join(fresh("made-by-index"), "quiver.db"))).toBe(true);
    expect(runCli(["token", "list", "--data", fresh("made-by-index")]).code).toBe(0);
  });
});
