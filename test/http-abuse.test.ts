import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { buildBinary, type Running, startBinary } from "./support/binary.ts";
import { answerComplete, rawConnection } from "./support/raw-http.ts";
import { tempDir } from "./support/services.ts";

// Raw HTTP abuse against the real binary: every case ends in a clear 4xx or a closed
// connection, and the server keeps answering other clients.
const TOKEN = "abuse-test-token-0123456789";
const work = tempDir("quiver-abuse-");
let server: Running;
let port: number;
beforeAll(async () => {
  server = await startBinary(
    buildBinary(),
    ["--data", join(work, "data"), "--quiet", "--max-body", "1MiB"],
    { QUIVER_TOKEN: TOKEN },
  );
  port = Number(new URL(server.url).port);
});
afterAll(async () => {
  await server.stop();
  rmSync(work, { recursive: true, force: true });
});

/**
 * Sends raw bytes (`gapMs` apart: a slow client), returns what came back once the server
 * answered (a whole response) or closed the connection. Never "nothing yet": a server
 * that does neither within 30 s fails the test.
 */
async function raw(
  chunks: (string | Uint8Array)[],
  opts: { gapMs?: number } = {},
): Promise<string> {
  const connection = await rawConnection(port);
  for (const chunk of chunks) {
    if (!connection.open) break;
    connection.write(chunk);
    if (opts.gapMs) await Bun.sleep(opts.gapMs);
  }
  let timer: Timer | undefined;
  const silent = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error("neither an answer nor a close in 30 s")), 30_000);
  });
  try {
    return await Promise.race([connection.until(answerComplete), silent]);
  } finally {
    clearTimeout(timer);
    connection.end();
  }
}

const statusOf = (response: string) => Number(/^HTTP\/1\.1 (\d{3})/.exec(response)?.[1] ?? 0);
const healthy = async () => (await fetch(`${server.url}/healthz`)).status === 200;

describe("raw HTTP abuse", () => {
  test("truncated body: no answer is guessed, others are served, the rest of the body is awaited", async () => {
    const head = `POST /tools/call HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Type: application/json\r\nContent-Length: 100\r\nConnection: close\r\n\r\n`;
    const start = '{"name": "list_';
    let received = "";
    const closed = Promise.withResolvers<void>();
    const socket = await Bun.connect({
      hostname: "127.0.0.1",
      port,
      socket: {
        data: (_s, data) => void (received += new TextDecoder().decode(data)),
        close: () => closed.resolve(),
      },
    });
    socket.write(head + start);
    // While the body is incomplete, other clients are answered and this one is not.
    expect(await healthy()).toBe(true);
    expect(received).toBe("");
    // The rest of the declared 100 bytes arrives: now it is answered, as the JSON it is.
    socket.write(" ".repeat(100 - start.length));
    await closed.promise;
    expect(statusOf(received)).toBe(400);
    expect(received).toContain('"code":"invalid_json"');
  });

  test("Content-Length shorter than the body: the extra bytes are not a second valid request", async () => {
    const body = '{"name":"list_files","parameters":{}}';
    const answer = await raw([
      `POST /tools/call HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Type: application/json\r\nContent-Length: 10\r\nConnection: close\r\n\r\n${body}`,
    ]);
    const status = statusOf(answer);
    expect(status).toBeGreaterThanOrEqual(400);
    expect(status).toBeLessThan(500);
    expect(await healthy()).toBe(true);
  });

  test("invalid Content-Length: 400", async () => {
    const answer = await raw([
      `POST /tools/call HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: banana\r\n\r\n`,
    ]);
    const status = statusOf(answer);
    expect(status).toBe(400);
    expect(await healthy()).toBe(true);
  });

  test("huge headers: 431", async () => {
    const answer = await raw([
      `GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${"a".repeat(200_000)}\r\n\r\n`,
    ]);
    const status = statusOf(answer);
    expect(status).toBe(431);
    expect(await healthy()).toBe(true);
  });

  test("a 100 MB body is refused with 413 without being read whole", async () => {
    const res = await fetch(`${server.url}/files/huge.bin`, {
      method: "PUT",
      headers: { authorization: `Bearer ${TOKEN}` },
      body: new Uint8Array(100 * 1024 * 1024),
    });
    expect(res.status).toBe(413);
    expect(((await res.json()) as any).error.code).toBe("payload_too_large");
    expect(res.headers.get("connection")).toBe("close");
    const list = await fetch(`${server.url}/files?prefix=huge`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(((await list.json()) as any).files).toEqual([]);
  }, 60_000);

  test("deeply nested JSON (10^5 levels) is a 400", async () => {
    const res = await fetch(`${server.url}/tools/call`, {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
      body: `{"name":${"[".repeat(100_000)}${"]".repeat(100_000)}}`,
    });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
  });

  test("slow clients dribbling headers do not block other clients", async () => {
    // 20 connections, each in the middle of its headers before the first check…
    const slow = await Promise.all(Array.from({ length: 20 }, () => rawConnection(port)));
    for (const connection of slow) connection.write("GET /healthz HTTP/1.1\r\n");
    // …and dribbling the rest, a line every 300 ms, while the others are served.
    const dribbling = slow.map(async (connection) => {
      for (const line of ["Host: 127.0.0.1\r\n", "X-Slow: 1\r\n", "X-Slow: 2\r\n"]) {
        await Bun.sleep(300);
        connection.write(line);
      }
    });
    for (let i = 0; i < 10; i++) expect(await healthy()).toBe(true);
    expect(slow.filter((c) => c.received() !== "")).toEqual([]); // none answered half a head
    await Promise.all(dribbling);
    for (const connection of slow) connection.terminate();
  });

  test("a chunked JSON body is read and answered; a chunked one over --max-body is a 413", async () => {
    const body = '{"name":"list_files","parameters":{"limit":1}}';
    const head = `POST /tools/call HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n`;
    const chunk = (text: string) => `${Buffer.byteLength(text).toString(16)}\r\n${text}\r\n`;
    const ok = await raw([head, chunk(body.slice(0, 20)), chunk(body.slice(20)), "0\r\n\r\n"], {
      gapMs: 20,
    });
    expect(statusOf(ok)).toBe(200);
    expect(ok).toContain('{"files":[');
    // 1 MiB limit (beforeAll): 2 MiB in 64 KiB chunks, never declared up front.
    const piece = chunk(`"${"x".repeat(64 * 1024 - 2)}"`);
    const big = await raw([
      head,
      chunk('{"name":"list_files","parameters":{"pad":['),
      ...Array.from({ length: 32 }, () => piece),
      "0\r\n\r\n",
    ]);
    expect(statusOf(big)).toBe(413);
    expect(big).toContain('"code":"payload_too_large"');
    expect(await healthy()).toBe(true);
  });

  test("garbage instead of HTTP: 400 and closed, server fine", async () => {
    const answer = await raw([new Uint8Array([0, 1, 2, 3, 255, 254, 13, 10, 13, 10])]);
    expect(statusOf(answer)).toBe(400);
    expect(await healthy()).toBe(true);
  });
});
