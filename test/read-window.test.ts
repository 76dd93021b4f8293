import { afterAll, expect, test } from "bun:test";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { importTree } from "../src/importer/import-tree.ts";
import { readFile } from "../src/tools/read-file.ts";
import { rng } from "./support/fuzz.ts";
import { rawDatabase, tempDir, testServer, toolCaller } from "./support/services.ts";
import { blobsOf } from "./support/store-internals.ts";

const server = testServer();
const { files } = server.services;
const call = toolCaller(server.services);
afterAll(() => server.close());

const read = (params: Record<string, unknown>) => call(readFile, params) as Promise<any>;
const store = (path: string, bytes: Uint8Array | string) =>
  files.put(path, [typeof bytes === "string" ? new TextEncoder().encode(bytes) : bytes]);

/** Counts the bytes read_file reads from the store, through the blob it opens. */
async function bytesReadBy(call: () => Promise<unknown>): Promise<number> {
  const openRead = blobsOf(files).openRead;
  let total = 0;
  blobsOf(files).openRead = (hash: string) => {
    const blob = openRead.call(blobsOf(files), hash);
    if (!blob) return blob;
    const chunks = blob.chunks.bind(blob);
    blob.chunks = async function* (...args: Parameters<typeof chunks>) {
      for await (const chunk of chunks(...args)) {
        total += chunk.byteLength;
        yield chunk;
      }
    };
    return blob;
  };
  try {
    await call();
  } finally {
    blobsOf(files).openRead = openRead;
  }
  return total;
}

// The reference: what read_file returned when it decoded and split the whole file.
function reference(bytes: Uint8Array, offset: number, limit: number) {
  const MAX_LINE = 4000;
  const MAX_CHARS = 64 * 1024;
  const lines = new TextDecoder("utf-8").decode(bytes).split(/\r?\n/);
  if (lines.length > 1 && lines[lines.length - 1] === "") lines.pop();
  const total = lines.length;
  if (offset > Math.max(total, 1)) return { error: 400 };
  const out: string[] = [];
  let chars = 0;
  let cut = false;
  for (let line = offset; line < offset + limit && line <= total; line++) {
    let s = lines[line - 1]!;
    if (s.length > MAX_LINE) {
      s = `${s.slice(0, MAX_LINE)} … [line cut at ${MAX_LINE} characters]`;
      cut = true;
    }
    if (chars + s.length + 1 > MAX_CHARS && out.length > 0) break;
    out.push(s);
    chars += s.length + 1;
  }
  const lineEnd = offset + out.length - 1;
  return {
    content: out.join("\n"),
    line_end: lineEnd,
    total_lines: total,
    truncated: cut || lineEnd < total,
  };
}

test("a 10-line window of a 32 MB file reads about the window, not the file", async () => {
  const line = `${"word ".repeat(15)}\n`; // 76 bytes
  const big = line.repeat(Math.ceil((32 * 1024 * 1024) / line.length));
  await store("big.txt", big);
  let result: any;
  const bytes = await bytesReadBy(async () => {
    result = await read({ path: "big.txt", limit: 10 });
  });
  expect(result).toMatchObject({
    line_start: 1,
    line_end: 10,
    total_lines: big.length / line.length,
    truncated: true,
    next_offset: 11,
  });
  expect(result.content).toBe(line.repeat(10).slice(0, -1));
  // One chunk of the blob reader (256 KiB) covers it; the whole file is 128 times that.
  expect(bytes).toBeLessThanOrEqual(256 * 1024);
});

test("a window deep in a file reads up to the window, and holds only the window", async () => {
  const lines = Array.from({ length: 200_000 }, (_, i) => `line ${i + 1}`);
  await store("deep.txt", `${lines.join("\n")}\n`);
  const size = files.get("deep.txt")!.size;
  let result: any;
  const bytes = await bytesReadBy(async () => {
    result = await read({ path: "deep.txt", offset: 1000, limit: 3 });
  });
  expect(result.content).toBe("line 1000\nline 1001\nline 1002");
  expect(result.total_lines).toBe(200_000);
  expect(bytes).toBeLessThan(size / 4);
});

test("windows give what decoding and splitting the whole file gave, on awkward files", async () => {
  const next = rng(1313);
  const pieces = [
    "a",
    "é",
    "日本",
    "\u{1F600}",
    "\r\n",
    "\n",
    "\r",
    "\n\n",
    "\uFEFF",
    " ",
    "x".repeat(5000),
    "é".repeat(4100),
    "\u{1F600}".repeat(2100),
  ];
  const invalid = [new Uint8Array([0xe2, 0x82]), new Uint8Array([0xff]), new Uint8Array([0xc3])];
  for (let k = 0; k < 60; k++) {
    const parts: Uint8Array[] = [];
    const n = Math.floor(next() * 40);
    for (let i = 0; i < n; i++) {
      if (next() < 0.05) parts.push(invalid[Math.floor(next() * invalid.length)]!);
      else parts.push(new TextEncoder().encode(pieces[Math.floor(next() * pieces.length)]!));
    }
    if (k % 7 === 0) parts.unshift(new Uint8Array([0xef, 0xbb, 0xbf])); // a BOM first
    const bytes = new Uint8Array(Buffer.concat(parts));
    // Text by content: keep a head that sniffs as text (valid UTF-8 at the start).
    const path = `awkward/${k}.txt`;
    await store(path, new Uint8Array(Buffer.concat([new TextEncoder().encode("t\n"), bytes])));
    const all = new Uint8Array(Buffer.concat([new TextEncoder().encode("t\n"), bytes]));
    if (!files.get(path)!.is_text) continue;
    for (const [offset, limit] of [
      [1, 2000],
      [2, 1],
      [3, 5],
      [1 + Math.floor(next() * 10), 1 + Math.floor(next() * 4)],
    ] as const) {
      const want = reference(all, offset, limit);
      const got = await read({ path, offset, limit }).catch((e) => ({ error: e.status }));
      if ("error" in want) expect(got).toEqual(want);
      else expect(got).toMatchObject(want);
    }
  }
});

test("files stored before lines were counted still report total_lines", async () => {
  await store("legacy.txt", "one\ntwo\nthree\n");
  rawDatabase(server).run("UPDATE files SET lines = NULL WHERE path = 'legacy.txt'");
  expect(await read({ path: "legacy.txt", offset: 2, limit: 1 })).toMatchObject({
    content: "two",
    total_lines: 3,
    next_offset: 3,
  });
});

test("empty and one-newline files: one empty line", async () => {
  await store("empty.txt", "");
  await store("newline.txt", "\n");
  for (const path of ["empty.txt", "newline.txt"])
    expect(await read({ path })).toMatchObject({ content: "", total_lines: 1, line_end: 1 });
});

test("imported files get the same line counts, from the worker thread and in-thread", async () => {
  const root = tempDir("quiver-lines-");
  const texts = [
    "",
    "\n",
    "one",
    "one\n",
    "a\r\nb\r\n\r\n",
    "x\ny",
    `${"long ".repeat(9000)}\nend`,
  ];
  for (const [i, t] of texts.entries()) writeFileSync(join(root, `${i}.txt`), t);
  for (const worker of [true, false]) {
    const prefix = `lines-${worker}/`;
    await importTree(files, { root, prefix, worker });
    for (const [i, t] of texts.entries()) {
      const row = rawDatabase(server)
        .query("SELECT lines FROM files WHERE path = ?")
        .get(`${prefix}${i}.txt`) as { lines: number | null };
      expect(row.lines).not.toBeNull();
      expect((await read({ path: `${prefix}${i}.txt` })).total_lines).toBe(
        reference(new TextEncoder().encode(t), 1, 1).total_lines as number,
      );
    }
  }
  rmSync(root, { recursive: true, force: true });
});
