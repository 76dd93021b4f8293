import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chmodSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Server } from "bun";
import { storageError } from "../src/errors.ts";
import {
  createConnectionGuard,
  maxInFlightFor,
  openFileLimit,
} from "../src/server/connection-guard.ts";
import { buildBinary, type Running, startBinary } from "./support/binary.ts";
import { rawConnection } from "./support/raw-http.ts";
import { tempDir } from "./support/services.ts";

// Item 8 (issue 13): connections without a token cannot exhaust the open-file limit, and
// running out of descriptors is a 503, never a 500. The binary runs under `ulimit -n 200`
// and gets more slow connections than that, all on loopback, each wait bounded.
const TOKEN = "connection-guard-token-0123456789";
const FILE_LIMIT = 200;
const work = tempDir("quiver-conns-");
let server: Running;
let port: number;
beforeAll(async () => {
  const wrapper = join(work, "quiver-limited");
  writeFileSync(wrapper, `#!/bin/sh\nulimit -n ${FILE_LIMIT}\nexec ${buildBinary()} "$@"\n`);
  chmodSync(wrapper, 0o755);
  server = await startBinary(wrapper, ["--data", join(work, "data"), "--quiet"], {
    QUIVER_TOKEN: TOKEN,
  });
  port = Number(new URL(server.url).port);
});
afterAll(async () => {
  await server.stop();
  rmSync(work, { recursive: true, force: true });
});

interface Slow {
  answer: Promise<string>;
  closed: Promise<void>;
  end(): void;
}

/** Opens a connection, sends headers declaring a huge body and a few bytes of it. */
async function slowUpload(token?: string): Promise<Slow> {
  // Under --max-body when authenticated (a real upload, only slow); far over it without.
  const length = token ? 1_000_000 : 1_000_000_000;
  const connection = await rawConnection(port);
  const auth = token ? `Authorization: Bearer ${token}\r\n` : "";
  connection.write(
    `PUT /files/slow/${crypto.randomUUID()}.bin HTTP/1.1\r\nHost: 127.0.0.1\r\n${auth}Content-Length: ${length}\r\n\r\nxxxx`,
  );
  return {
    answer: connection.until((received) => received.includes("\r\n\r\n")),
    closed: connection.closed,
    end: () => connection.terminate(),
  };
}

const within = <T>(promise: Promise<T>, ms: number, what: string) =>
  Promise.race([
    promise,
    Bun.sleep(ms).then(() => {
      throw new Error(`${what}: nothing within ${ms} ms`);
    }),
  ]);
const statusOf = (answer: string) => Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1]);

async function writeOne(): Promise<number> {
  const response = await fetch(`${server.url}/files/after-${crypto.randomUUID()}.txt`, {
    method: "PUT",
    headers: { authorization: `Bearer ${TOKEN}` },
    body: "still here",
  });
  return response.status;
}

describe("under ulimit -n 200", () => {
  test("300 slow uploads without a token: each is answered 401 and closed", async () => {
    for (let batch = 0; batch < 3; batch++) {
      const slow = await Promise.all(Array.from({ length: 100 }, () => slowUpload()));
      for (const s of slow) {
        expect(statusOf(await within(s.answer, 10_000, "401"))).toBe(401);
        await within(s.closed, 10_000, "server closing the connection");
      }
    }
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    expect(await writeOne()).toBe(201);
  });

  test("150 slow uploads with a token: past the cap 503 server_busy, never 500; /healthz answers", async () => {
    const slow = await Promise.all(Array.from({ length: 150 }, () => slowUpload(TOKEN)));
    try {
      const cap = maxInFlightFor(FILE_LIMIT);
      // Those past the cap are answered at once; the others stay in flight, unanswered.
      const answered: string[] = [];
      for (const s of slow) s.answer.then((a) => answered.push(a));
      for (let tries = 0; tries < 400 && answered.length < 150 - cap; tries++) await Bun.sleep(25);
      expect(answered.map(statusOf)).toEqual(Array(150 - cap).fill(503));
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
      const busy = await fetch(`${server.url}/files/busy.txt`, {
        method: "PUT",
        headers: { authorization: `Bearer ${TOKEN}` },
        body: "x",
      });
      expect(busy.status).toBe(503);
      expect(busy.headers.get("retry-after")).toBe("1");
      expect(((await busy.json()) as { error: { code: string } }).error.code).toBe("server_busy");
    } finally {
      for (const s of slow) s.end();
    }
    // Once the slow clients are gone, writes go through again.
    let status = 0;
    for (let tries = 0; tries < 100 && status !== 201; tries++) {
      status = await writeOne();
      if (status !== 201) await Bun.sleep(50);
    }
    expect(status).toBe(201);
  });
});

const put = () =>
  new Request("http://h/x", { method: "PUT", body: "abc", headers: { "content-length": "3" } });

describe("the guard's parts", () => {
  test("running out of descriptors anywhere is 503 server_busy, not a 500", () => {
    const emfile = Object.assign(new Error("EMFILE: too many open files, open '/d/blobs/x'"), {
      code: "EMFILE",
    });
    expect(storageError(emfile)).toMatchObject({ status: 503, code: "server_busy" });
    const sqlite = new Error("unable to open database file: Too many open files");
    expect(storageError(sqlite)?.status).toBe(503);
  });

  test("the cap leaves descriptors for the data directory", () => {
    expect(maxInFlightFor(200)).toBe(68);
    expect(maxInFlightFor(1024)).toBe(480);
    expect(maxInFlightFor(1_048_576)).toBe(4096);
    expect(maxInFlightFor(50)).toBe(8);
    const limits = join(work, "limits");
    writeFileSync(
      limits,
      "Limit                     Soft Limit           Hard Limit           Units\nMax open files            1024                 4096                 files\n",
    );
    expect(openFileLimit(limits)).toBe(1024);
    expect(openFileLimit(join(work, "absent"))).toBeUndefined();
  });

  test("a request with a body gets the deadline; one without does not", async () => {
    const deadlines: number[] = [];
    const fake = {
      timeout: (_r: Request, s: number) => deadlines.push(s),
    } as unknown as Server<undefined>;
    const guard = createConnectionGuard({ maxInFlight: 4, bodyDeadlineS: 42 });
    const handle = guard.wrap(
      async (request) => new Response(request.method === "PUT" ? await request.text() : "ok"),
      () => fake,
    );
    await handle(put());
    await handle(new Request("http://h/x"));
    expect(deadlines).toEqual([42]);
  });

  test("an unread body is cancelled and the connection closed; a read one keeps alive", async () => {
    const guard = createConnectionGuard({ maxInFlight: 4, bodyDeadlineS: 42 });
    const unread = guard.wrap(
      async () => new Response("no", { status: 401 }),
      () => undefined,
    );
    const request = put();
    const refused = await unread(request);
    expect(refused.headers.get("connection")).toBe("close");
    const read = guard.wrap(
      async (r) => new Response(await r.text()),
      () => undefined,
    );
    const ok = await read(put());
    expect(ok.headers.get("connection")).toBeNull();
  });
});
