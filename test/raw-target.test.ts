import { afterAll, describe, expect, test } from "bun:test";
import { MAX_RAW_SEGMENTS, rawSegmentsError } from "../src/server/raw-target.ts";
import { listeningServer, rawRequest } from "./support/raw-http.ts";
import { STATIC_TOKEN } from "./support/services.ts";

// Item 16 (issue 13): a path is decided on the raw request target. Bun resolves dot
// segments before any handler runs, and fetch() does too, so these requests go over a
// raw socket to a real listening server.
const server = await listeningServer();
afterAll(() => server.close());
const auth = `Authorization: Bearer ${STATIC_TOKEN}`;

async function put(target: string, body: string) {
  return await rawRequest(
    server.port,
    `PUT ${target} HTTP/1.1\nHost: 127.0.0.1\n${auth}\nContent-Length: ${body.length}`,
    body,
  );
}
async function send(method: string, target: string) {
  return await rawRequest(server.port, `${method} ${target} HTTP/1.1\nHost: 127.0.0.1\n${auth}`);
}
const original = async () => (await send("GET", "/files/a.txt")).body;

describe("raw request targets under /files", () => {
  const sneaky = [
    "/files/x/../a.txt",
    "/files/x/%2e%2e/a.txt",
    "/files/x/%2E%2e/a.txt",
    "/files/x\\..\\a.txt",
    "/files/./a.txt",
    "/files/x/.%2e/a.txt",
    "/files/x//../a.txt",
    "/files/a%2etxt",
  ];

  test.each(sneaky)("PUT, GET and DELETE %s are 400 and a.txt is untouched", async (target) => {
    expect((await put("/files/a.txt", "original")).status).toBeLessThan(300);
    const written = await put(target, "overwritten");
    expect(written.status).toBe(400);
    expect(JSON.parse(written.body).error.code).toBe("invalid_path");
    expect((await send("GET", target)).status).toBe(400);
    expect((await send("DELETE", target)).status).toBe(400);
    expect(await original()).toBe("original");
  });

  test("plain paths still work, at every depth up to the limit", async () => {
    const deep = Array.from({ length: MAX_RAW_SEGMENTS }, (_, i) => `d${i}`).join("/");
    expect((await put(`/files/${deep}`, "deep")).status).toBe(201);
    expect((await send("GET", `/files/${deep}`)).body).toBe("deep");
    expect((await send("GET", "/files/dir%20x/b%2Bc.txt")).status).toBe(404);
    expect((await send("GET", "/files?prefix=d0/")).status).toBe(200);
  });

  test("deeper than the limit, or with an empty segment: 400 saying what to use", async () => {
    const tooDeep = Array.from({ length: MAX_RAW_SEGMENTS + 1 }, () => "d").join("/");
    for (const target of [`/files/${tooDeep}`, "/files/a//b", "/files/a/"]) {
      const answer = await send("GET", target);
      expect(answer.status).toBe(400);
      expect(JSON.parse(answer.body).error.message).toContain("read_file");
    }
  });
});

describe("the decision itself", () => {
  test("dot segments and backslashes in raw segments are refused; names are not", () => {
    expect(rawSegmentsError(["x", "..", "a"], "http://h/files/x/../a")?.status).toBe(400);
    expect(rawSegmentsError(["."], "http://h/files/.")?.status).toBe(400);
    expect(rawSegmentsError(["x\\y"], "http://h/files/x/y")?.status).toBe(400);
    expect(rawSegmentsError(["a..b", ".env"], "http://h/files/a..b/.env")).toBeUndefined();
    expect(rawSegmentsError(["a"], "http://h/files/a?q=%2e")).toBeUndefined();
  });
});

describe("short Host headers (item 17)", () => {
  test.each(["a", "ab", "abc", "a:1", "abcd"])(
    "Host: %s routes /files/tools to the file",
    async (host) => {
      const answer = await rawRequest(
        server.port,
        `GET /files/tools HTTP/1.1\nHost: ${host}\n${auth}`,
      );
      expect(answer.status).toBe(404);
      expect(JSON.parse(answer.body).error.code).toBe("file_not_found");
    },
  );

  test("Host: a reaches /tools and /healthz as themselves", async () => {
    const tools = await rawRequest(server.port, `GET /tools HTTP/1.1\nHost: a\n${auth}`);
    expect(JSON.parse(tools.body).tools.length).toBeGreaterThan(0);
    const health = await rawRequest(server.port, "GET /healthz HTTP/1.1\nHost: a");
    expect(JSON.parse(health.body)).toEqual({ status: "ok" });
  });
});
