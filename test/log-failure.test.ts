import { afterAll, describe, expect, test } from "bun:test";
import { closeSync, openSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { spawn, spawnSync } from "bun";
import { createLogSink } from "../src/log-sink.ts";
import { buildBinary, listeningUrl } from "./support/binary.ts";
import { tempDir } from "./support/services.ts";

// Item 9 (issue 13): a logging failure never stops serving. Lines that cannot be written
// are dropped and counted, and the first line that gets through again says how many.
const TOKEN = "log-failure-token-0123456789";
const work = tempDir("quiver-logfail-");
const mount = join(work, "small-disk");
afterAll(async () => {
  // The server's job worker (a child holding the same stderr) may take a moment to go.
  for (let tries = 0; tries < 100; tries++) {
    const result = spawnSync(["umount", mount], { stderr: "pipe" });
    if (result.exitCode === 0 || result.stderr.toString().includes("not mounted")) break;
    await Bun.sleep(50);
  }
  rmSync(work, { recursive: true, force: true });
});

describe("the log sink", () => {
  test("failed writes are counted, and reported once when writing works again", () => {
    const written: string[] = [];
    let failing = false;
    const sink = createLogSink(
      (text) => {
        if (failing) throw Object.assign(new Error("no space"), { code: "ENOSPC" });
        written.push(text);
      },
      () => new Date(0),
    );
    sink.write("a\n");
    failing = true;
    for (let i = 0; i < 5; i++) sink.write("lost\n");
    expect(sink.dropped).toBe(5);
    failing = false;
    sink.write("b\n");
    sink.write("c\n");
    expect(written.length).toBe(4);
    expect(written[0]).toBe("a\n");
    expect(JSON.parse(written[1] as string)).toMatchObject({
      msg: "log lines dropped",
      dropped: 5,
    });
    expect(written.slice(2)).toEqual(["b\n", "c\n"]);
    expect(sink.dropped).toBe(0);
  });

  test("after a line was cut short, the next output starts on a new line", () => {
    const written: string[] = [];
    let fail = true;
    const sink = createLogSink((text) => {
      if (fail) throw Object.assign(new Error("pipe"), { code: "EPIPE", partial: true });
      written.push(text);
    });
    sink.write("half\n");
    fail = false;
    sink.write("next\n");
    expect(written[0]?.startsWith("\n{")).toBe(true);
    expect(written[1]).toBe("next\n");
  });
});

/** Requests that each write an access-log line; all must answer 200. */
async function hammer(url: string, count: number): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < count; i++)
    statuses.push(
      (await fetch(`${url}/tools`, { headers: { authorization: `Bearer ${TOKEN}` } })).status,
    );
  return [...new Set(statuses)];
}

const serveArgs = (name: string) => [
  buildBinary(),
  "serve",
  "--port",
  "0",
  "--data",
  join(work, name),
];
const env = { PATH: process.env.PATH, HOME: process.env.HOME, QUIVER_TOKEN: TOKEN };

describe("the real binary", () => {
  test("stderr's reader goes away: the server keeps answering", async () => {
    const proc = spawn(serveArgs("pipe"), { env, stdout: "ignore", stderr: "pipe" });
    try {
      const reader = proc.stderr.getReader();
      let text = "";
      let url: string | undefined;
      while (!url) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`quiver exited: ${text}`);
        text += new TextDecoder().decode(value);
        url = listeningUrl(text);
      }
      await reader.cancel(); // closes our end of the pipe: the server's writes get EPIPE
      expect(await hammer(url, 300)).toEqual([200]);
      expect(proc.exitCode).toBeNull();
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
    } finally {
      proc.kill("SIGKILL");
      await proc.exited;
    }
  });

  const root = process.getuid?.() === 0;
  const mounted =
    root &&
    spawnSync(["mkdir", "-p", mount]).exitCode === 0 &&
    spawnSync(["mount", "-t", "tmpfs", "-o", "size=16k", "tmpfs", mount]).exitCode === 0;
  if (!mounted)
    console.warn("log-failure: skipped the full-disk test (needs root to mount a small tmpfs)");

  test.skipIf(!mounted)(
    "stderr's disk fills up: the server keeps answering, and says how many lines it lost",
    async () => {
      const logPath = join(mount, "quiver.log");
      const fd = openSync(logPath, "w");
      const proc = spawn(serveArgs("full"), { env, stdout: "ignore", stderr: fd });
      closeSync(fd);
      try {
        let url: string | undefined;
        for (let tries = 0; !url && tries < 300; tries++) {
          url = listeningUrl(readFileSync(logPath, "utf8"));
          if (!url) await Bun.sleep(50);
        }
        if (!url) throw new Error(`quiver did not start: ${readFileSync(logPath, "utf8")}`);
        expect(await hammer(url, 300)).toEqual([200]); // 16 KiB hold about 80 lines
        expect(proc.exitCode).toBeNull();
        expect(spawnSync(["mount", "-o", "remount,size=1m", mount]).exitCode).toBe(0);
        await hammer(url, 1);
        // The line being written when the disk filled is cut short; every other parses.
        const lines = readFileSync(logPath, "utf8").split("\n").filter(Boolean);
        const parsed = lines.flatMap((l) => {
          try {
            return [JSON.parse(l)];
          } catch {
            return [];
          }
        });
        expect(lines.length - parsed.length).toBeLessThanOrEqual(1);
        const notice = parsed.find((l) => l.msg === "log lines dropped");
        expect(notice?.dropped).toBeGreaterThan(100);
        expect(parsed.at(-1)).toMatchObject({ msg: "request", status: 200 });
      } finally {
        proc.kill("SIGTERM"); // graceful: the job worker stops too
        await proc.exited;
      }
    },
  );
});
