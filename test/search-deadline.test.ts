import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { buildBinary, type Running, startBinary } from "./support/binary.ts";
import { tempDir } from "./support/services.ts";

// Issue 13 items 7 and 22: no search may hold the server. The costliest query the language
// allows here — eight two-letter prefixes OR-ed over a file of 480k distinct words, from
// offset 10,000 — takes ~0.7 s on this machine; searches run off the request thread.
const TOKEN = "deadline-test-token-0123456789";
const auth = { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" };
const SLOW = { query: "aa* OR ba* OR ca* OR da* OR ea* OR fa* OR ga* OR ha*", offset: 10000 };
const work = tempDir("quiver-deadline-");
let binary: string;
beforeAll(() => {
  binary = buildBinary();
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A server on a data directory holding the expensive file. */
async function serverWithBigFile(name: string, toolTimeout: string): Promise<Running> {
  const server = await startBinary(
    binary,
    ["--data", join(work, name), "--quiet", "--tool-timeout", toolTimeout],
    { QUIVER_TOKEN: TOKEN },
  );
  const lines: string[] = [];
  for (let i = 0; i < 12_000; i++) {
    const words = Array.from(
      { length: 40 },
      (_, j) => `${"abcdefgh"[j % 8]}${"ab"[j % 2]}${i * 40 + j}`,
    );
    lines.push(`# h${i}\n${words.join(" ")}\n`);
  }
  const put = await fetch(`${server.url}/files/big.md`, {
    method: "PUT",
    headers: auth,
    body: lines.join("\n"),
  });
  expect(put.status).toBe(201);
  return server;
}

const search = (server: Running, params: object) =>
  fetch(`${server.url}/tools/search`, {
    method: "POST",
    headers: auth,
    body: JSON.stringify(params),
  });

async function healthz(server: Running): Promise<{ status: number }> {
  const res = await fetch(`${server.url}/healthz`);
  await res.text();
  return { status: res.status };
}

describe("a search never stalls the server", () => {
  test("the worst query answers 400 query_timeout by its deadline while /healthz keeps answering; the next search works", async () => {
    const server = await serverWithBigFile("timeout", "0.1");
    try {
      const slow = search(server, SLOW);
      let settled = false;
      slow.finally(() => (settled = true));
      // /healthz answers while the query still runs (not how fast: that is the machine's).
      const health = [];
      for (let i = 0; i < 3; i++) health.push({ ...(await healthz(server)), settled });
      for (const h of health) expect(h).toMatchObject({ status: 200, settled: false });
      const res = await slow;
      expect(settled).toBe(true);
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe("query_timeout");
      // The thread left inside that query is replaced: a cheap search answers.
      // (Its replacement starts within the 0.1 s budget on a quiet machine; on a loaded
      // one the first cheap searches may time out too, so a few tries are allowed.)
      let ok = await search(server, { query: "h11999" });
      for (let tries = 0; tries < 20 && ok.status === 400; tries++) {
        await Bun.sleep(100);
        ok = await search(server, { query: "h11999" });
      }
      expect(ok.status).toBe(200);
      expect(((await ok.json()) as { results: { path: string }[] }).results[0]?.path).toBe(
        "big.md",
      );
    } finally {
      server.proc.kill("SIGKILL");
      await server.proc.exited;
    }
  });

  test("/healthz answers while a long search runs (searches are off the request thread)", async () => {
    const server = await serverWithBigFile("healthz", "60");
    try {
      const slow = search(server, SLOW);
      let done = false;
      slow.then(() => (done = true));
      const h = await healthz(server);
      expect(h.status).toBe(200);
      expect(done).toBe(false); // it answered during the search, not after it
      expect((await slow).status).toBe(200);
    } finally {
      server.proc.kill("SIGKILL");
      await server.proc.exited;
    }
  });

  test("SIGTERM during a search: the search answers 503 at once and the server exits 0", async () => {
    const server = await serverWithBigFile("sigterm", "60");
    const slow = search(server, SLOW);
    // Wait until the search is running: /healthz answers while it does (test above).
    await healthz(server);
    server.proc.kill("SIGTERM");
    const res = await slow;
    expect(res.status).toBe(503);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("shutting_down");
    expect(await server.proc.exited).toBe(0);
  });
});
