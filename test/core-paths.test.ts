import { describe, expect, test } from "bun:test";
import { QuiverError } from "../src/errors.ts";
import { normalizePath, normalizePrefix } from "../src/store/paths.ts";
import { request, testServer } from "./support/services.ts";

// Every one of these must be refused with a 400 invalid_path, never stored.
const hostile: [string, string][] = [
  ["parent segment", "../etc/passwd"],
  ["parent deep", "a/b/../../../etc/passwd"],
  ["parent at end", "a/.."],
  ["lone parent", ".."],
  ["dot segment", "./a"],
  ["dot in middle", "a/./b"],
  ["lone dot", "."],
  ["absolute", "/etc/passwd"],
  ["absolute root", "/"],
  ["double leading slash", "//server/share"],
  ["empty", ""],
  ["empty middle segment", "a//b"],
  ["trailing slash", "a/b/"],
  ["backslash traversal", "..\\..\\windows\\win.ini"],
  ["backslash separator", "a\\b"],
  ["windows drive", "C:/Windows/system32"],
  ["windows drive relative", "c:foo"],
  ["NUL", "a\u0000b"],
  ["NUL at end", "file.txt\u0000.png"],
  ["newline", "a\nb"],
  ["carriage return", "a\rb"],
  ["tab", "a\tb"],
  ["escape", "a\u001bb"],
  ["DEL", "a\u007fb"],
  ["C1 control", "a\u0085b"],
  ["line separator", "a\u2028b"],
  ["encoded dots", "%2e%2e/etc/passwd"],
  ["encoded slash", "a%2fb"],
  ["encoded upper", "%2E%2E%2Fetc"],
  ["double encoded", "%252e%252e/x"],
  ["encoded backslash", "..%5c..%5cx"],
  ["encoded NUL", "a%00b"],
  ["blank segment", "a/ /b"],
  ["only spaces", "   "],
  ["over-long path", `${"a/".repeat(600)}b`],
  ["over-long segment", "x".repeat(256)],
  ["over-long unicode bytes", "é".repeat(600)],
  ["dotdot after unicode", "café/../x"],
  ["parent with trailing slash", "../"],
  ["dot dot slash only", "./"],
  ["mixed separators", "a/..\\b"],
];

describe("hostile logical paths", () => {
  test("the table has at least 40 cases", () => expect(hostile.length).toBeGreaterThanOrEqual(40));

  test.each(hostile)("refuses %s", (_label, path) => {
    let err: unknown;
    try {
      normalizePath(path);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(QuiverError);
    expect((err as QuiverError).status).toBe(400);
    expect((err as QuiverError).code).toBe("invalid_path");
  });

  test("non-strings are refused", () => {
    expect(() => normalizePath(42)).toThrow(QuiverError);
    expect(() => normalizePath(null)).toThrow(QuiverError);
  });
});

describe("path normalisation", () => {
  test("NFC: two spellings of é name one file", () => {
    const composed = "caf\u00e9.md";
    const decomposed = "cafe\u0301.md";
    expect(normalizePath(decomposed)).toBe(composed);
    expect(normalizePath(composed)).toBe(composed);
  });

  test("ordinary names pass unchanged", () => {
    for (const p of [
      "a.txt",
      "docs/guide/intro.md",
      "a b/c d.txt",
      "日本語/ファイル.txt",
      "x/.hidden",
      "a..b",
      "...",
      "100% done.txt",
    ])
      expect(normalizePath(p)).toBe(p.normalize("NFC"));
  });

  test("prefixes may be empty or end with a slash", () => {
    expect(normalizePrefix(undefined)).toBe("");
    expect(normalizePrefix("docs/")).toBe("docs/");
    expect(normalizePrefix("docs")).toBe("docs");
    expect(() => normalizePrefix("/")).toThrow(QuiverError);
    expect(() => normalizePrefix("../")).toThrow(QuiverError);
  });
});

describe("hostile paths over HTTP", () => {
  const server = testServer();
  const urlCases: [string, string][] = [
    ["encoded traversal", "/files/..%2f..%2fetc%2fpasswd"],
    ["double encoded", "/files/%252e%252e/x"],
    ["encoded NUL", "/files/a%00b"],
    ["malformed percent", "/files/a%zzb"],
    ["empty segment", "/files/a//b"],
    ["backslash", "/files/a%5cb"],
  ];

  test.each(urlCases)("PUT refuses %s with 400 and stores nothing", async (_label, path) => {
    const res = await request(server, path, { method: "PUT", body: "secret" });
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe("invalid_path");
    expect(server.services.files.count()).toBe(0);
  });

  test("encoded dot segments are resolved by the URL parser and never reach /files", async () => {
    // WHATWG URL parsing turns /files/a/%2e%2e/%2e%2e/x into /x before routing.
    const res = await request(server, "/files/a/%2e%2e/%2e%2e/x", {
      method: "PUT",
      body: "secret",
    });
    expect(res.status).toBe(404);
    expect(res.json.error.code).toBe("not_found");
    expect(server.services.files.count()).toBe(0);
  });

  test("write_file refuses a traversal path", async () => {
    const res = await request(server, "/tools/call", {
      body: { name: "write_file", parameters: { path: "../x", content: "y" } },
    });
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe("invalid_path");
  });
});
