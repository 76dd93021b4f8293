import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { handleMessage, type McpCall } from "../src/mcp/protocol.ts";
import { FILE_URI_TEMPLATE, fileUri, pathOfUri } from "../src/mcp/resource-uri.ts";
import { MAX_RESOURCE_BYTES, RESOURCE_PAGE_SIZE } from "../src/mcp/resources.ts";
import { normalizePath } from "../src/store/paths.ts";
import type { Scope } from "../src/store/tokens.ts";
import { ENVELOPE, mcpRequest } from "./mcp-support.ts";
import { rng } from "./support/fuzz.ts";
import { request, type TestServer, testServer, toolCaller } from "./support/services.ts";

// Files as MCP resources, path completion and resource links, through the protocol
// function (and the HTTP handler where headers and statuses matter).
const as = (scope: Scope): McpCall => ({ caller: { id: scope, name: scope, scope } });
const req = (id: number, method: string, params?: Record<string, unknown>) => ({
  jsonrpc: "2.0",
  id,
  method,
  ...(params ? { params } : {}),
});
const modern = (id: number, method: string, params: Record<string, unknown> = {}) =>
  req(id, method, { ...params, _meta: ENVELOPE });

/** Paths a user may store, including the awkward ones. */
const AWKWARD = [
  "notes/hello world.md",
  "über/straße café.txt",
  "日本語/ファイル.md",
  "emoji/🦀 crab.txt",
  "odd/100% sure.txt",
  "odd/a#b?c&d=e+f;g,h@i:j.txt",
  "odd/(paren) 'quote' !bang* ~tilde.txt",
  "odd/[brackets] {braces} $dollar.txt",
];

let server: TestServer;
let call: (body: unknown, c?: McpCall) => Promise<any>;
beforeAll(async () => {
  server = testServer();
  call = async (body, c = as("read")) => (await handleMessage(body, c, server.services)) as any;
  const write = toolCaller(server.services);
  for (const path of AWKWARD) await write("write_file", { path, content: `content of ${path}\n` });
});
afterAll(() => server.close());

describe("resource URIs", () => {
  test("every path round-trips, and the template's {+path} spelling names the same file", () => {
    for (const path of AWKWARD) {
      const uri = fileUri(path);
      expect(uri).toStartWith("quiver://files/");
      expect(pathOfUri(uri)).toBe(path);
      // RFC 6570 reserved expansion keeps "/" and reserved characters, encodes the rest.
      const expanded = `quiver://files/${encodeURI(path)}`;
      expect(pathOfUri(expanded)).toBe(path);
    }
    expect(fileUri("notes/hello world.md")).toBe("quiver://files/notes/hello%20world.md");
  });

  test("generated valid paths round-trip (both spellings); invalid ones never come back", () => {
    const next = rng(15);
    // ASCII punctuation, letters, "%" near hex digits, combining marks, astral characters.
    const alphabet = [
      ..."abcXYZ019 -_.!~*'()%#?&=+;,@:$[]{}<>|^`\"/",
      "é",
      "e\u0301",
      "ß",
      "日",
      "🦀",
      "\u{10ffff}",
      "\u00a0",
    ];
    let valid = 0;
    for (let i = 0; i < 3000; i++) {
      const length = 1 + Math.floor(next() * 12);
      let raw = "";
      for (let j = 0; j < length; j++) raw += alphabet[Math.floor(next() * alphabet.length)];
      let path: string;
      try {
        path = normalizePath(raw);
      } catch {
        continue;
      }
      valid++;
      expect(pathOfUri(fileUri(path))).toBe(path);
      expect(pathOfUri(`quiver://files/${encodeURI(path)}`)).toBe(path);
      expect(fileUri(path)).toMatch(/^quiver:\/\/files\/[A-Za-z0-9\-_.!~*'()%/]+$/);
    }
    expect(valid).toBeGreaterThan(500);
  });
});

describe("resources/list", () => {
  test("lists every file once, in path order, with uri, name, mimeType and size", async () => {
    const res = await call(req(1, "resources/list"));
    const resources = res.result.resources;
    expect(resources.map((r: any) => r.name)).toEqual([...AWKWARD].sort());
    const hello = resources.find((r: any) => r.name === "notes/hello world.md");
    expect(hello).toMatchObject({
      uri: "quiver://files/notes/hello%20world.md",
      mimeType: "text/markdown;charset=utf-8",
      size: Buffer.byteLength("content of notes/hello world.md\n"),
    });
    expect(res.result.nextCursor).toBeUndefined();
    expect(res.result.ttlMs).toBeUndefined(); // legacy era: no modern fields
  });

  test("pages chain by cursor in path order; a made-up cursor is -32602", async () => {
    const s = testServer();
    try {
      const write = toolCaller(s.services);
      const paths = Array.from(
        { length: RESOURCE_PAGE_SIZE + 5 },
        (_, i) => `p/${String(i).padStart(3, "0")}`,
      );
      for (const path of paths) await write("write_file", { path, content: "x" });
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const res = (await handleMessage(
          req(pages, "resources/list", cursor ? { cursor } : {}),
          as("read"),
          s.services,
        )) as any;
        seen.push(...res.result.resources.map((r: any) => r.name));
        cursor = res.result.nextCursor;
        pages++;
      } while (cursor);
      expect(pages).toBe(2);
      expect(seen).toEqual(paths);
      const bad = (await handleMessage(
        req(9, "resources/list", { cursor: "nonsense" }),
        as("read"),
        s.services,
      )) as any;
      expect(bad.error.code).toBe(-32602);
    } finally {
      s.close();
    }
  });

  test("2026-07-28: ttlMs and cacheScope on list, read and templates", async () => {
    for (const [method, params] of [
      ["resources/list", {}],
      ["resources/read", { uri: fileUri(AWKWARD[0]!) }],
      ["resources/templates/list", {}],
    ] as const) {
      const res = await call(modern(1, method, params));
      expect(res.result.resultType).toBe("complete");
      expect(typeof res.result.ttlMs).toBe("number");
      expect(["public", "private"]).toContain(res.result.cacheScope);
    }
  });
});

describe("resources/read", () => {
  test("text files come back as text, under the canonical URI", async () => {
    for (const path of AWKWARD) {
      const res = await call(
        req(1, "resources/read", { uri: `quiver://files/${encodeURI(path)}` }),
      );
      expect(res.result.contents).toEqual([
        {
          uri: fileUri(path),
          mimeType: expect.stringContaining("charset=utf-8"),
          text: `content of ${path}\n`,
        },
      ]);
    }
  });

  test("binary files come back as base64 blobs", async () => {
    const bytes = Buffer.from([0, 1, 2, 255, 254, 0, 10, 13]);
    await toolCaller(server.services)("write_file", {
      path: "bin/data.bin",
      content: bytes.toString("base64"),
      encoding: "base64",
    });
    const res = await call(req(1, "resources/read", { uri: "quiver://files/bin/data.bin" }));
    const [content] = res.result.contents;
    expect(content.text).toBeUndefined();
    expect(content.mimeType).toBe("application/octet-stream");
    expect(Buffer.from(content.blob, "base64")).toEqual(bytes);
    await toolCaller(server.services)("delete_file", { path: "bin/data.bin" });
  });

  test("a file over the size cap is -32602 pointing at GET /files/…", async () => {
    const s = testServer();
    try {
      await toolCaller(s.services)("write_file", {
        path: "big/log file.txt",
        content: "y".repeat(MAX_RESOURCE_BYTES + 1),
      });
      const res = (await handleMessage(
        req(1, "resources/read", { uri: fileUri("big/log file.txt") }),
        as("read"),
        s.services,
      )) as any;
      expect(res.error.code).toBe(-32602);
      expect(res.error.message).toContain("GET /files/big/log%20file.txt");
      expect(res.error.data).toEqual({
        code: "resource_too_large",
        size: MAX_RESOURCE_BYTES + 1,
        limit: MAX_RESOURCE_BYTES,
      });
    } finally {
      s.close();
    }
  });

  test("unknown, foreign, malformed and escaping URIs are -32602 with a message", async () => {
    const cases: [unknown, string][] = [
      ["quiver://files/no/such.md", "no file at"],
      ["file:///etc/passwd", FILE_URI_TEMPLATE],
      ["quiver://files/a/%2E%2E/b", '"." or ".."'],
      ["quiver://files/a/../b", '"." or ".."'],
      ["quiver://files/100%25%32%35", "percent-encoded"], // encoded twice: not decoded again
      ["quiver://files/bad%E0%A4%A", "malformed percent-encoding"],
      ["quiver://files/", "must not be empty"],
      [42, "params.uri must be a string"],
    ];
    for (const [uri, says] of cases) {
      const res = await call(req(1, "resources/read", { uri }));
      expect(res.error.code).toBe(-32602);
      expect(res.error.message).toContain(says);
    }
  });
});

describe("resources/templates/list and completion/complete", () => {
  test("one template, whose path argument completes from stored paths", async () => {
    const list = await call(req(1, "resources/templates/list"));
    expect(list.result.resourceTemplates).toEqual([
      expect.objectContaining({ uriTemplate: FILE_URI_TEMPLATE, name: "file" }),
    ]);
    const complete = (value: string) =>
      call(
        req(2, "completion/complete", {
          ref: { type: "ref/resource", uri: FILE_URI_TEMPLATE },
          argument: { name: "path", value },
        }),
      );
    expect((await complete("odd/")).result.completion).toEqual({
      values: AWKWARD.filter((p) => p.startsWith("odd/")).sort(),
      hasMore: false,
    });
    // Typed in decomposed form (u + combining diaeresis): stored paths are NFC.
    expect((await complete("u\u0308ber/")).result.completion.values).toEqual([
      "über/straße café.txt",
    ]);
    expect((await complete("nothing/")).result.completion).toEqual({ values: [], hasMore: false });
  });

  test("at most 100 values, then hasMore", async () => {
    const s = testServer();
    try {
      const write = toolCaller(s.services);
      for (let i = 0; i < 101; i++) await write("write_file", { path: `c/${i}`, content: "x" });
      const res = (await handleMessage(
        req(1, "completion/complete", {
          ref: { type: "ref/resource", uri: FILE_URI_TEMPLATE },
          argument: { name: "path", value: "c/" },
        }),
        as("read"),
        s.services,
      )) as any;
      expect(res.result.completion.values).toHaveLength(100);
      expect(res.result.completion.hasMore).toBe(true);
    } finally {
      s.close();
    }
  });

  test("other refs and arguments are -32602", async () => {
    for (const params of [
      { ref: { type: "ref/prompt", name: "x" }, argument: { name: "path", value: "" } },
      {
        ref: { type: "ref/resource", uri: "quiver://other/{x}" },
        argument: { name: "x", value: "" },
      },
      {
        ref: { type: "ref/resource", uri: FILE_URI_TEMPLATE },
        argument: { name: "dir", value: "" },
      },
      { ref: { type: "ref/resource", uri: FILE_URI_TEMPLATE } },
    ]) {
      expect((await call(req(1, "completion/complete", params))).error.code).toBe(-32602);
    }
  });
});

describe("capabilities", () => {
  test("initialize and server/discover declare resources and completions", async () => {
    const init = await call(
      req(1, "initialize", {
        protocolVersion: "2025-11-25",
        capabilities: {},
        clientInfo: { name: "c", version: "1" },
      }),
    );
    const discover = await call(modern(2, "server/discover"));
    // Notifications need a channel: a 2025 client without a session (HTTP) has none.
    const notifies = (yes: boolean) => ({
      tools: { listChanged: yes },
      resources: { subscribe: yes, listChanged: yes },
      completions: {},
    });
    expect(init.result.capabilities).toMatchObject(notifies(false));
    expect(discover.result.capabilities).toMatchObject(notifies(true));
  });
});

describe("resource links in tool results", () => {
  test("list_files and search results carry a resource_link per file, after the JSON text", async () => {
    const listed = await call(
      req(1, "tools/call", { name: "list_files", arguments: { prefix: "odd/" } }),
    );
    const [text, ...links] = listed.result.content;
    expect(text.type).toBe("text");
    const odd = AWKWARD.filter((p) => p.startsWith("odd/")).sort();
    expect(JSON.parse(text.text).files.map((f: any) => f.path)).toEqual(odd);
    expect(links).toEqual(
      odd.map((path) => ({
        type: "resource_link",
        uri: fileUri(path),
        name: path,
        mimeType: "text/plain;charset=utf-8",
        size: Buffer.byteLength(`content of ${path}\n`),
      })),
    );
    // Each link opens with resources/read.
    const read = await call(req(2, "resources/read", { uri: links[0].uri }));
    expect(read.result.contents[0].text).toBe(`content of ${odd[0]}\n`);

    const found = await call(
      req(3, "tools/call", { name: "search", arguments: { query: "crab", limit: 5 } }),
    );
    const [searchText, ...searchLinks] = found.result.content;
    expect(JSON.parse(searchText.text).results[0].path).toBe("emoji/🦀 crab.txt");
    expect(searchLinks).toEqual([
      { type: "resource_link", uri: fileUri("emoji/🦀 crab.txt"), name: "emoji/🦀 crab.txt" },
    ]);
  });
});

describe("scopes", () => {
  const WRITE_TOOLS = ["write_file", "delete_file", "import_path", "reindex", "cancel_job"];

  test("a read token's tools/list and GET /tools hold no write tools; an admin's hold all", async () => {
    const names = async (scope: Scope) =>
      (await call(modern(1, "tools/list"), as(scope))).result.tools.map((t: any) => t.name);
    const readNames = await names("read");
    expect(readNames).toContain("read_file");
    const adminNames = await names("admin");
    const hidden = adminNames.filter((n: string) => !readNames.includes(n));
    expect(hidden.length).toBeGreaterThan(0);
    for (const name of hidden)
      expect(server.services.tools.tools.find((t) => t.name === name)!.scope).not.toBe("read");
    for (const name of readNames) expect(WRITE_TOOLS).not.toContain(name);
    expect((await call(modern(2, "tools/list"), as("read"))).result.cacheScope).toBe("private");

    const rest = async (token: string) =>
      (await request(server, "/tools", { token })).json.tools.map((t: any) => t.name);
    expect(await rest(server.tokens.read)).toEqual(readNames);
    expect(await rest(server.tokens.admin)).toEqual(adminNames);
  });

  test("reading needs the read scope, checked by the pipeline's rule (below read: refused)", async () => {
    // Every real token has at least read; a caller below it exercises the check itself.
    const none = { caller: { id: "n", name: "n", scope: "none" as Scope } };
    for (const [method, params] of [
      ["resources/list", {}],
      ["resources/read", { uri: fileUri(AWKWARD[0]!) }],
      [
        "completion/complete",
        {
          ref: { type: "ref/resource", uri: FILE_URI_TEMPLATE },
          argument: { name: "path", value: "" },
        },
      ],
    ] as const) {
      const res = await call(req(1, method, params), none);
      expect(res.error.code).toBe(-32600);
      expect(res.error.message).toContain(`${method} needs a token with scope "read"`);
      expect(res.result).toBeUndefined();
    }
  });

  test("over HTTP a read token reads resources (2026-07-28 headers, non-ASCII Mcp-Name)", async () => {
    const path = "über/straße café.txt";
    const res = await server.handle(
      mcpRequest(modern(1, "resources/read", { uri: fileUri(path) }), {
        authorization: `Bearer ${server.tokens.read}`,
      }),
    );
    expect(res.status).toBe(200);
    const body = (await res.json()) as any;
    expect(body.result.contents[0].text).toBe(`content of ${path}\n`);
    // The header must mirror params.uri.
    const mismatch = await server.handle(
      mcpRequest(modern(2, "resources/read", { uri: fileUri(path) }), {
        authorization: `Bearer ${server.tokens.read}`,
        "mcp-name": "quiver://files/other",
      }),
    );
    expect(mismatch.status).toBe(400);
    expect(((await mismatch.json()) as any).error.code).toBe(-32020);
  });
});
