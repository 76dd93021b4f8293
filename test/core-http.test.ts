import { afterAll, describe, expect, test } from "bun:test";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { errorResponse } from "../src/server/errors.ts";
import { startRequest } from "../src/server/request-info.ts";
import { request, STATIC_TOKEN, testServer } from "./support/services.ts";

const server = testServer({ maxBodyBytes: 64 * 1024 });
afterAll(() => server.close());

describe("GET /tools: Claude Messages API definitions", () => {
  test("every tool is listed in a form ready for the tools array", async () => {
    const res = await request(server, "/tools");
    expect(res.status).toBe(200);
    const names = res.json.tools.map((t: { name: string }) => t.name);
    expect(names).toEqual(
      expect.arrayContaining(["read_file", "write_file", "list_files", "delete_file"]),
    );
    for (const tool of res.json.tools) {
      expect(Object.keys(tool).sort()).toEqual(["description", "input_schema", "name"]);
      expect(tool.name).toMatch(/^[a-zA-Z0-9_-]{1,64}$/);
      expect(tool.input_schema.type).toBe("object");
      expect(tool.description.length).toBeGreaterThan(40);
      expect(tool.description).toMatch(/Returns/);
    }
    // numbers are published as numbers (not Elysia's string-or-integer query unions)
    const readFile = res.json.tools.find((t: { name: string }) => t.name === "read_file");
    expect(readFile.input_schema.properties.limit).toMatchObject({ type: "integer", minimum: 1 });
    expect(res.text).not.toContain('"format":"integer"');
  });
});

describe("POST /tools/call and POST /tools/<name>", () => {
  test("write then read through the generic dispatcher", async () => {
    const w = await request(server, "/tools/call", {
      body: {
        name: "write_file",
        parameters: { path: "notes/a.md", content: "one\ntwo\nthree\n" },
      },
    });
    expect(w.status).toBe(200);
    expect(w.json).toMatchObject({ path: "notes/a.md", size: 14, created: true });
    const r = await request(server, "/tools/call", {
      body: { name: "read_file", parameters: { path: "notes/a.md", offset: 2, limit: 1 } },
    });
    expect(r.json).toMatchObject({
      content: "two",
      line_start: 2,
      line_end: 2,
      total_lines: 3,
      truncated: true,
      next_offset: 3,
    });
  });

  test("the typed route takes the parameters object as body", async () => {
    // Its own file: this test must not rely on the one before it having written one.
    const w = await request(server, "/tools/write_file", {
      body: { path: "notes/typed.md", content: "one\ntwo\nthree\n" },
    });
    expect(w.status).toBe(200);
    const r = await request(server, "/tools/read_file", { body: { path: "notes/typed.md" } });
    expect(r.status).toBe(200);
    expect(r.json.content).toBe("one\ntwo\nthree");
  });

  test("unknown tool: 404 unknown_tool, on both routes", async () => {
    const a = await request(server, "/tools/call", { body: { name: "rm_rf", parameters: {} } });
    expect(a.status).toBe(404);
    expect(a.json.error.code).toBe("unknown_tool");
    const b = await request(server, "/tools/rm_rf", { body: {} });
    expect(b.status).toBe(404);
    expect(b.json.error.code).toBe("unknown_tool");
  });

  test.each([
    [{ name: "read_file", parameters: {} }, "parameters.path"],
    [{ name: "read_file", parameters: { path: 7 } }, "parameters.path"],
    [{ name: "read_file", parameters: { path: "a", limit: "ten" } }, "parameters.limit"],
    [{ name: "read_file", parameters: { path: "a", limit: "3" } }, "parameters.limit"],
    [{ name: "read_file", parameters: { path: "a", limit: 0 } }, "parameters.limit"],
    [{ name: "list_files", parameters: { limit: 1.5 } }, "parameters.limit"],
    [
      { name: "write_file", parameters: { path: "a", content: "x", encoding: "latin1" } },
      "parameters.encoding",
    ],
    [{ name: "list_files", parameters: { bogus: 1 } }, "parameters.bogus"],
    [{ name: "list_files", parameters: [] }, "parameters"],
  ])("bad parameters %j: 400 naming %s", async (body, field) => {
    const res = await request(server, "/tools/call", { body });
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe("invalid_parameters");
    expect(res.json.error.message).toStartWith(field);
  });

  test("a choice of values that does not match lists the allowed values", async () => {
    const write = await request(server, "/tools/call", {
      body: { name: "write_file", parameters: { path: "a", content: "x", encoding: "latin1" } },
    });
    expect(write.json.error.message).toBe(
      'parameters.encoding: must be one of "utf8", "base64", got "latin1"',
    );
    const jobs = await request(server, "/tools/list_jobs", { body: { status: "done" } });
    expect(jobs.status).toBe(400);
    expect(jobs.json.error.message).toContain('"enqueued", "running", "succeeded"');
  });

  test("an unknown parameter names the parameters the tool takes", async () => {
    const res = await request(server, "/tools/read_file", { body: { path: "a", lines: 3 } });
    expect(res.json.error.message).toBe(
      'parameters.lines: unknown parameter; "read_file" takes path, offset, limit',
    );
  });

  test.each(["arguments", "input"])(
    "parameters sent as %s: 400 saying to use parameters",
    async (key) => {
      const res = await request(server, "/tools/call", {
        body: { name: "read_file", [key]: { path: "notes/a.md" } },
      });
      expect(res.status).toBe(400);
      expect(res.json.error.code).toBe("invalid_request");
      expect(res.json.error.message).toContain(`body.${key}`);
      expect(res.json.error.message).toContain('"parameters": {...}');
    },
  );

  test("missing name: 400 that shows the expected shape", async () => {
    const res = await request(server, "/tools/call", { body: { parameters: {} } });
    expect(res.status).toBe(400);
    expect(res.json.error.message).toContain('"name"');
  });

  test("malformed JSON: 400 invalid_json", async () => {
    const res = await request(server, "/tools/call", {
      body: '{"name": "list_files", ',
      headers: { "content-type": "application/json" },
    });
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe("invalid_json");
  });

  test("deeply nested JSON: a 4xx, not a crash", async () => {
    const deep = "[".repeat(100_000) + "]".repeat(100_000);
    const res = await request(server, "/tools/call", {
      body: deep,
      headers: { "content-type": "application/json" },
    });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
  });

  test("wrong Content-Type: 415", async () => {
    const res = await request(server, "/tools/call", {
      body: "name=list_files",
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expect(res.status).toBe(415);
    expect(res.json.error.code).toBe("unsupported_media_type");
  });

  test("body over the limit: 413, declared or streamed", async () => {
    const big = JSON.stringify({
      name: "write_file",
      parameters: { path: "big.txt", content: "x".repeat(70 * 1024) },
    });
    const declared = await request(server, "/tools/call", {
      body: big,
      headers: { "content-type": "application/json" },
    });
    expect(declared.status).toBe(413);
    expect(declared.json.error.code).toBe("payload_too_large");
    const stream = new ReadableStream({
      start(c) {
        c.enqueue(new TextEncoder().encode(big));
        c.close();
      },
    });
    const res = await server.handle(
      new Request("http://localhost/tools/call", {
        method: "POST",
        body: stream,
        headers: { authorization: `Bearer ${STATIC_TOKEN}`, "content-type": "application/json" },
      }),
    );
    expect(res.status).toBe(413);
    expect(server.services.files.get("big.txt")).toBeUndefined();
  });

  test("unknown route: 404 in the error shape", async () => {
    const res = await request(server, "/nope");
    expect(res.status).toBe(404);
    expect(res.json.error.code).toBe("not_found");
  });
});

describe("/files", () => {
  test("PUT streams bytes in, GET gives them back with type and ETag, DELETE removes", async () => {
    const bytes = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 3, 255]);
    const put = await request(server, "/files/img/logo.png", { method: "PUT", body: bytes });
    expect(put.status).toBe(201);
    const sha = new Bun.CryptoHasher("sha256").update(bytes).digest("hex");
    expect(put.json).toMatchObject({ path: "img/logo.png", size: 9, sha256: sha, is_text: false });
    expect(put.headers.get("etag")).toBe(`"${sha}"`);

    const res = await server.handle(
      new Request("http://localhost/files/img/logo.png", {
        headers: { authorization: `Bearer ${STATIC_TOKEN}` },
      }),
    );
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("image/png");
    expect(res.headers.get("etag")).toBe(`"${sha}"`);
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(bytes);

    const again = await request(server, "/files/img/logo.png", {
      headers: { "if-none-match": `"${sha}"` },
    });
    expect(again.status).toBe(304);

    const replaced = await request(server, "/files/img/logo.png", {
      method: "PUT",
      body: new Uint8Array([1, 2]),
    });
    expect(replaced.status).toBe(200);

    const del = await request(server, "/files/img/logo.png", { method: "DELETE" });
    expect(del.status).toBe(200);
    expect((await request(server, "/files/img/logo.png")).status).toBe(404);
    expect(
      (await request(server, "/files/img/logo.png", { method: "DELETE" })).json.error.code,
    ).toBe("file_not_found");
  });

  test("binary files are refused by read_file with a pointer to GET /files", async () => {
    await request(server, "/files/bin/blob.dat", {
      method: "PUT",
      body: new Uint8Array([0, 0, 0, 1]),
    });
    const res = await request(server, "/tools/call", {
      body: { name: "read_file", parameters: { path: "bin/blob.dat" } },
    });
    expect(res.status).toBe(415);
    expect(res.json.error.code).toBe("binary_file");
    expect(res.json.error.message).toContain("GET /files/bin/blob.dat");
  });

  test("an upload over the limit is refused and the previous version survives", async () => {
    await request(server, "/files/keep.txt", { method: "PUT", body: "original" });
    const big = new Uint8Array(65 * 1024).fill(65);
    const declared = await request(server, "/files/keep.txt", { method: "PUT", body: big });
    expect(declared.status).toBe(413);
    const stream = new ReadableStream({
      start(c) {
        for (let i = 0; i < 70; i++) c.enqueue(new Uint8Array(1024).fill(66));
        c.close();
      },
    });
    const chunked = await server.handle(
      new Request("http://localhost/files/keep.txt", {
        method: "PUT",
        body: stream,
        headers: { authorization: `Bearer ${STATIC_TOKEN}` },
      }),
    );
    expect(chunked.status).toBe(413);
    expect((await request(server, "/files/keep.txt")).text).toBe("original");
    // no half-written temp files left behind
    expect(readdirSync(join(server.config.dataDir, "tmp"))).toEqual([]);
  });

  test("GET /files lists with a prefix and pages", async () => {
    for (const n of ["l/1", "l/2", "l/3"])
      await request(server, `/files/${n}`, { method: "PUT", body: n });
    const first = await request(server, "/files?prefix=l/&limit=2");
    expect(first.json.files.map((f: { path: string }) => f.path)).toEqual(["l/1", "l/2"]);
    const second = await request(
      server,
      `/files?prefix=l/&limit=2&cursor=${first.json.next_cursor}`,
    );
    expect(second.json.files.map((f: { path: string }) => f.path)).toEqual(["l/3"]);
    expect(second.json.next_cursor).toBeUndefined();
  });
});

describe("responses and logs", () => {
  test("every response carries a request id and nosniff", async () => {
    const res = await request(server, "/healthz", { token: null });
    expect(res.headers.get("x-request-id")).toMatch(/^[a-z0-9]+-[a-z0-9]+$/);
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
  });

  test("tool responses, answers and errors alike, carry the request id, nosniff and no-store once", async () => {
    const cases = [
      await request(server, "/tools/call", {
        body: { name: "list_files", parameters: { limit: 1 } },
      }),
      await request(server, "/tools/list_files", { body: { limit: 1 } }),
      await request(server, "/tools/call", {
        body: { name: "list_files", parameters: { limit: "x" } },
      }),
      await request(server, "/tools/call", { token: "wrong", body: { name: "list_files" } }),
      await request(server, "/tools"),
    ];
    expect(cases.map((r) => r.status)).toEqual([200, 200, 400, 401, 200]);
    const ids = new Set<string>();
    for (const res of cases) {
      const id = res.headers.get("x-request-id")!;
      expect(id).toMatch(/^[a-z0-9]+-[a-z0-9]+$/);
      expect(id).not.toContain(","); // set once, not appended twice
      ids.add(id);
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      expect(res.headers.get("cache-control")).toBe("no-store");
      expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    }
    expect(ids.size).toBe(cases.length);
  });

  test("/mcp answers carry them too: results, 202s, parse errors and scope refusals", async () => {
    const mcp = (body: unknown, token?: string) =>
      request(server, "/mcp", {
        body,
        token,
        headers: {
          accept: "application/json, text/event-stream",
          "mcp-protocol-version": "2025-06-18",
        },
      });
    const call = (name: string, args: unknown) => ({
      jsonrpc: "2.0",
      id: 1,
      method: "tools/call",
      params: { name, arguments: args },
    });
    const cases = [
      await mcp(call("list_files", { limit: 1 })),
      await mcp({ jsonrpc: "2.0", method: "notifications/initialized" }),
      await mcp("{not json"),
      await mcp(call("reindex", {}), server.tokens.read),
    ];
    expect(cases.map((r) => r.status)).toEqual([200, 202, 400, 403]);
    const ids = new Set<string>();
    for (const res of cases) {
      const id = res.headers.get("x-request-id")!;
      expect(id).toMatch(/^[a-z0-9]+-[a-z0-9]+$/);
      ids.add(id);
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      expect(res.headers.get("cache-control")).toBe("no-store");
    }
    expect(ids.size).toBe(cases.length);
  });

  test("one structured log line per request, with the token's name and never the token", async () => {
    server.logs.length = 0;
    const secret = server.tokens.write;
    await request(server, "/tools/call", {
      token: secret,
      body: { name: "list_files", parameters: {} },
    });
    await request(server, `/tools?access_token=${secret}`, { token: null });
    await request(server, "/tools", { token: `${secret}x` });
    expect(server.logs).toHaveLength(3);
    expect(server.logs[0]).toMatchObject({
      method: "POST",
      path: "/tools/call",
      tool: "list_files",
      status: 200,
      token: "writer",
    });
    expect(typeof server.logs[0]!.ms).toBe("number");
    expect(server.logs[1]).toMatchObject({ path: "/tools", status: 400 });
    expect(JSON.stringify(server.logs)).not.toContain(secret);
  });

  test("an unexpected error is a 500 that hides its message and quotes the request id", async () => {
    const req = new Request("http://localhost/x");
    const info = startRequest(req);
    const res = errorResponse(req, new Error("SQLITE_CORRUPT: secret internals at /var/lib/x"));
    expect(res.status).toBe(500);
    const body = (await res.json()) as any;
    expect(body.error.code).toBe("internal_error");
    expect(body.error.request_id).toBe(info.id);
    expect(body.error.message).not.toContain("SQLITE");
  });
});
