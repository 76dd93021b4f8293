// Elysia's `headers` record, read on demand (src/server/lazy-headers.ts): hooks and handlers
// see what Elysia's copy of the headers showed them, and no route copies every header of
// every request any more.
import { describe, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Elysia } from "elysia";
import { loadConfig } from "../src/config.ts";
import { createApp } from "../src/server/app.ts";
import { headerRecord, lazyHeadersAdapter } from "../src/server/lazy-headers.ts";
import { openSqliteServices } from "../src/services.ts";

const sent = {
  authorization: "Bearer abc",
  "content-type": "application/json",
  "mcp-protocol-version": "2026-07-28",
};

describe("the headers record", () => {
  const record = () => headerRecord(new Headers(sent));

  test("reads a header by name, and is undefined for one not sent", () => {
    expect(record().authorization).toBe("Bearer abc");
    expect(record()["mcp-protocol-version"]).toBe("2026-07-28");
    expect(record().origin).toBeUndefined();
  });

  test("a name no header can have is absent, not an error (Headers.get would throw)", () => {
    expect(record()["no such header"]).toBeUndefined();
    expect("no such header" in record()).toBe(false);
  });

  test("lists, spreads and answers `in` as the copy did", () => {
    const copy = new Headers(sent).toJSON();
    expect(Object.keys(record()).sort()).toEqual(Object.keys(copy).sort());
    expect({ ...record() }).toEqual(copy);
    expect("authorization" in record()).toBe(true);
    expect("origin" in record()).toBe(false);
    expect(JSON.stringify(record())).toBe(JSON.stringify(copy));
  });

  test("joins a repeated header as the copy did", () => {
    const headers = new Headers([
      ["accept", "application/json"],
      ["accept", "text/event-stream"],
    ]);
    expect(headerRecord(headers).accept).toBe(headers.toJSON().accept as string);
  });

  test("is read-only, as the request's headers are", () => {
    const r = record();
    expect(() => {
      r.authorization = "Bearer other";
    }).toThrow(TypeError);
    expect(() => delete r.authorization).toThrow(TypeError);
    expect(r.authorization).toBe("Bearer abc");
  });
});

describe("the adapter", () => {
  test("hooks and the handler read headers through it", async () => {
    const app = new Elysia({ adapter: lazyHeadersAdapter })
      .derive(({ headers: { authorization } }) => ({ auth: authorization }))
      .get("/", ({ auth, headers }) => ({ auth, type: headers["content-type"] ?? null }));
    const res = await app.handle(new Request("http://localhost/", { headers: sent }));
    expect(await res.json()).toEqual({ auth: "Bearer abc", type: "application/json" });
  });

  test("no route of quiver's app copies every request header", () => {
    const dir = mkdtempSync(join(tmpdir(), "quiver-lazy-headers-"));
    const services = openSqliteServices(loadConfig({ data: dir, quiet: true }), { create: true });
    try {
      const app = createApp(services);
      app.compile();
      const copying = app.routes
        .filter((route) => String(route.compile()).includes("headers.toJSON()"))
        .map((route) => `${route.method} ${route.path}`);
      expect(app.routes.length).toBeGreaterThan(10);
      expect(copying).toEqual([]);
    } finally {
      services.close();
    }
  });
});
