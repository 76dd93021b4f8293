import { afterAll, beforeAll, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { buildBinary, type Running, startBinary } from "./support/binary.ts";
import { tempDir } from "./support/services.ts";

// Item 18 (issue 13): a client that hangs up mid-body is a client abort (499 in the
// access log), not a 500 "unhandled error".
const TOKEN = "client-abort-token-0123456789";
const work = tempDir("quiver-abort-");
let server: Running;
beforeAll(async () => {
  server = await startBinary(buildBinary(), ["--data", join(work, "data")], {
    QUIVER_TOKEN: TOKEN,
  });
});
afterAll(async () => {
  await server.stop();
  rmSync(work, { recursive: true, force: true });
});

const logLines = () =>
  server
    .stderr()
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l));

/** Waits (bounded) until a log line matches. */
async function logged(match: (line: Record<string, unknown>) => boolean) {
  for (let tries = 0; tries < 200; tries++) {
    const line = logLines().find(match);
    if (line) return line;
    await Bun.sleep(25);
  }
  throw new Error(`no such log line in:\n${server.stderr()}`);
}

test.each([
  ["PUT", "/files/upload.bin", ""],
  ["POST", "/tools/call", "Content-Type: application/json\r\n"],
])("%s %s: the client hangs up mid-body → 499, no unhandled error", async (method, path, type) => {
  const port = Number(new URL(server.url).port);
  const { promise: continued, resolve } = Promise.withResolvers<void>();
  const socket = await Bun.connect({
    hostname: "127.0.0.1",
    port,
    socket: {
      data(_s, data) {
        if (new TextDecoder().decode(data).includes("100 Continue")) resolve();
      },
      close() {},
    },
  });
  // "Expect: 100-continue" makes the server say when the request reached its handler.
  socket.write(
    `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${TOKEN}\r\n${type}Expect: 100-continue\r\nContent-Length: 1000000\r\n\r\n`,
  );
  await continued;
  socket.write("x".repeat(1000));
  socket.terminate();
  const line = await logged((l) => l.msg === "request" && l.path === path);
  expect(line.status).toBe(499);
  expect(logLines().filter((l) => l.msg === "unhandled error")).toEqual([]);
  expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
});
