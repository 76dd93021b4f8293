import { Database } from "bun:sqlite";
import { afterAll, describe, expect, test } from "bun:test";
import { readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { spawn, spawnSync } from "bun";
import { loadConfig } from "../src/config.ts";
import { openSqliteServices } from "../src/services.ts";
import { connectionSettings, openDatabase } from "../src/store/db.ts";
import { ROOT } from "./support/binary.ts";
import { tempDir } from "./support/services.ts";

// Durability cannot be seen by killing the process (the kernel keeps what it was given):
// with every fsync removed and synchronous=OFF, the kill -9 tests still pass. What can be
// seen is the order of the system calls: a write is acknowledged only after its bytes are
// synced, then linked into place, the directory synced, and the commit synced.
// strace comes from Debian's package (.ci/install-strace.sh); CI must have it.
const work = tempDir("quiver-durable-");
afterAll(() => rmSync(work, { recursive: true, force: true }));
const TOKEN = "durability-token-0123456789abcdef";

const strace = Bun.which("strace");
const canTrace =
  strace !== null && spawnSync([strace, "-f", "-o", "/dev/null", "true"]).exitCode === 0;
if (!canTrace) {
  const why = strace
    ? "strace cannot trace here (ptrace not permitted)"
    : "strace is not installed";
  if (process.env.CI) throw new Error(`durability test: ${why}; .ci/install-strace.sh installs it`);
  console.warn(`durability: write-order test skipped — ${why} (apt-get install strace)`);
}

interface Call {
  pid: string;
  name: string;
  args: string;
  /** Index of the line where it ended (its "resumed" line, when it was interrupted). */
  done: number;
  start: number;
}

/** strace -f -y output → calls, each with where it started and where it completed. */
function parseTrace(text: string): Call[] {
  const calls: Call[] = [];
  const pending = new Map<string, Call>();
  text.split("\n").forEach((line, i) => {
    const unfinished = /^(\d+)\s+(\w+)\((.*) <unfinished \.\.\.>$/.exec(line);
    if (unfinished) {
      const [, pid, name, args] = unfinished;
      pending.set(pid!, { pid: pid!, name: name!, args: args!, start: i, done: -1 });
      return;
    }
    const resumed = /^(\d+)\s+<\.\.\. (\w+) resumed>(.*)$/.exec(line);
    if (resumed) {
      const call = pending.get(resumed[1]!);
      if (call && call.name === resumed[2]) {
        pending.delete(call.pid);
        calls.push({ ...call, args: call.args + resumed[3], done: i });
      }
      return;
    }
    const whole = /^(\d+)\s+(\w+)\((.*)$/.exec(line);
    if (whole) calls.push({ pid: whole[1]!, name: whole[2]!, args: whole[3]!, start: i, done: i });
  });
  return calls.filter((c) => !/= -1 /.test(c.args));
}

describe.skipIf(!canTrace)("a write's system calls, in the real server under strace", () => {
  test("bytes synced, linked, directory synced, commit synced — all before the response", async () => {
    const data = join(work, "data");
    const trace = join(work, "trace");
    const proc = spawn(
      [
        strace!,
        "-f",
        "-y",
        "-s",
        "64",
        "-o",
        trace,
        "-e",
        "trace=fsync,fdatasync,syncfs,rename,link,linkat,renameat2,renameat,sendto,write,writev",
        "bun",
        join(ROOT, "src/main.ts"),
        "serve",
        "--port",
        "0",
        "--data",
        data,
      ],
      { cwd: ROOT, env: { ...process.env, QUIVER_TOKEN: TOKEN }, stdout: "ignore", stderr: "pipe" },
    );
    // Stopped as a user would stop it: SIGTERM to the server (strace's child); strace
    // exits with it, its trace complete. Also when the test fails half-way.
    const stopServer = async () => {
      if (proc.exitCode !== null) return;
      let children = "";
      try {
        children = readFileSync(`/proc/${proc.pid}/task/${proc.pid}/children`, "utf8");
      } catch {}
      for (const pid of children.trim().split(/\s+/).filter(Boolean))
        process.kill(Number(pid), "SIGTERM");
      const killer = setTimeout(() => proc.kill("SIGKILL"), 10_000);
      await proc.exited;
      clearTimeout(killer);
    };
    let putHash = "";
    let toolHash = "";
    try {
      // stderr is read to the end (a closed pipe is another test's matter): the URL from it.
      let stderr = "";
      let listening: (url: string) => void = () => {};
      const urlKnown = new Promise<string>((resolve) => (listening = resolve));
      (async () => {
        const decoder = new TextDecoder();
        for await (const chunk of proc.stderr) {
          stderr += decoder.decode(chunk);
          const m = /"msg":"listening","url":"([^"]+)"/.exec(stderr);
          if (m) listening(m[1]!);
        }
        listening("");
      })();
      const url = await urlKnown;
      expect(url, stderr).toStartWith("http://");
      const auth = { authorization: `Bearer ${TOKEN}` };
      const put = await fetch(`${url}/files/durable.txt`, {
        method: "PUT",
        headers: auth,
        body: "bytes that must survive a power cut\n",
      });
      expect(put.status).toBe(201);
      putHash = ((await put.json()) as { sha256: string }).sha256;
      const tool = await fetch(`${url}/tools/write_file`, {
        method: "POST",
        headers: { ...auth, "content-type": "application/json" },
        body: JSON.stringify({ path: "tool.txt", content: "written through the tool\n" }),
      });
      expect(tool.status).toBe(200);
      toolHash = ((await tool.json()) as { sha256: string }).sha256;
    } finally {
      await stopServer();
    }

    const calls = parseTrace(readFileSync(trace, "utf8"));
    const check = (hash: string, status: string) => {
      const blobPath = `blobs/${hash.slice(0, 2)}/${hash.slice(2)}`;
      const link = calls.find((c) => /^link/.test(c.name) && c.args.includes(blobPath));
      expect(link, `no link of ${blobPath}`).toBeDefined();
      const tmp = /"([^"]*\/tmp\/[^"]+)"/.exec(link!.args)![1]!;
      const synced = calls.filter(
        (c) => /^f(data)?sync$/.test(c.name) && c.args.includes(`<${tmp}>`),
      );
      expect(synced.length, "the temp file's bytes are synced").toBeGreaterThan(0);
      expect(synced[0]!.done, "…before they are linked into place").toBeLessThan(link!.start);
      const dir = calls.find(
        (c) =>
          /^f(data)?sync$/.test(c.name) &&
          c.args.includes(`/blobs/${hash.slice(0, 2)}>`) &&
          c.start > link!.done,
      );
      expect(dir, "the blob's directory is synced after the link").toBeDefined();
      const commit = calls.find(
        (c) =>
          /^f(data)?sync$/.test(c.name) && c.args.includes("quiver.db-wal>") && c.start > dir!.done,
      );
      expect(commit, "the commit (WAL) is synced after that").toBeDefined();
      const response = calls.find(
        (c) => /^(sendto|write|writev)$/.test(c.name) && c.args.includes(`HTTP/1.1 ${status}`),
      );
      expect(response, "a response was sent").toBeDefined();
      expect(commit!.done, "…and all of it before the response").toBeLessThan(response!.start);
      return response!.start;
    };
    const first = check(putHash, "201");
    check(toolHash, "200");
    expect(first).toBeGreaterThan(0);
  }, 60_000);
});

describe("SQLite settings, read back", () => {
  test("every connection the server opens is WAL, synchronous=FULL, with the busy timeout", () => {
    const dir = join(work, "settings");
    const services = openSqliteServices(loadConfig({ data: dir, quiet: true }, {}));
    const second = openDatabase(dir);
    try {
      for (const settings of [services.settings(), connectionSettings(second)]) {
        expect(settings.journal_mode).toBe("wal");
        expect(settings.synchronous).toBe(2); // FULL: durable on power loss
        expect(settings.busy_timeout).toBe(10000);
      }
    } finally {
      second.close();
      services.close();
    }
  });

  test("connections to the data directory are opened only through openDatabase", () => {
    const offenders: string[] = [];
    const walk = (dir: string) => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, e.name);
        if (e.isDirectory()) walk(path);
        else if (
          path.endsWith(".ts") &&
          !path.endsWith("src/store/db.ts") &&
          // In-memory scratch databases (search's term statistics) hold no user data.
          /new Database\((?!":memory:")/.test(readFileSync(path, "utf8"))
        )
          offenders.push(path.slice(ROOT.length + 1));
      }
    };
    walk(join(ROOT, "src"));
    expect(offenders).toEqual([]);
    // The reader side: opened read-only by a test, the file says WAL too.
    const dir = join(work, "settings-read-back");
    openSqliteServices(loadConfig({ data: dir, quiet: true }, {})).close();
    const db = new Database(join(dir, "quiver.db"), { readonly: true });
    expect((db.query("PRAGMA journal_mode").get() as { journal_mode: string }).journal_mode).toBe(
      "wal",
    );
    db.close();
  });
});
