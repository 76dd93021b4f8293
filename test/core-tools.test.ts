import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { QuiverError } from "../src/errors.ts";
import { deleteFile } from "../src/tools/delete-file.ts";
import { listFiles } from "../src/tools/list-files.ts";
import { MAX_READ_CHARS, readFile } from "../src/tools/read-file.ts";
import { tools } from "../src/tools/registry.ts";
import { writeFile } from "../src/tools/write-file.ts";
import { testServer, toolCaller } from "./support/services.ts";
import { blobsOf } from "./support/store-internals.ts";

const server = testServer();
const call = toolCaller(server.services);
afterAll(() => server.close());

describe("tool declarations", () => {
  test("read-only tools say so and destructive ones say so", () => {
    const hints = Object.fromEntries(tools.map((t) => [t.name, t.annotations ?? {}]));
    expect(hints.read_file!.readOnlyHint).toBe(true);
    expect(hints.list_files!.readOnlyHint).toBe(true);
    expect(hints.write_file!.destructiveHint).toBe(true);
    expect(hints.delete_file!.destructiveHint).toBe(true);
  });
});

describe("write_file / read_file", () => {
  test("utf8 and base64 content round-trip", async () => {
    await call(writeFile, { path: "t/u.txt", content: "héllo\n" });
    expect((await call(readFile, { path: "t/u.txt" })).content).toBe("héllo");
    const bytes = new Uint8Array([0, 159, 146, 150]);
    const res = await call(writeFile, {
      path: "t/b.bin",
      content: Buffer.from(bytes).toString("base64"),
      encoding: "base64",
    });
    expect(res.size).toBe(4);
    expect(
      new Uint8Array(
        await server.services.files.open(server.services.files.get("t/b.bin")!).arrayBuffer(),
      ),
    ).toEqual(bytes);
  });

  test("invalid base64 is a 400, not garbage stored", async () => {
    await expect(
      call(writeFile, { path: "t/bad.bin", content: "not base64!!", encoding: "base64" }),
    ).rejects.toMatchObject({ status: 400 });
    expect(server.services.files.get("t/bad.bin")).toBeUndefined();
  });

  test("line windows: offset, limit, next_offset until the end", async () => {
    const lines = Array.from({ length: 25 }, (_, i) => `line ${i + 1}`);
    await call(writeFile, { path: "t/lines.txt", content: `${lines.join("\n")}\n` });
    const seen: string[] = [];
    let offset: number | undefined = 1;
    while (offset) {
      const page: any = await call(readFile, { path: "t/lines.txt", offset, limit: 10 });
      seen.push(...page.content.split("\n"));
      expect(page.total_lines).toBe(25);
      offset = page.next_offset;
    }
    expect(seen).toEqual(lines);
    await expect(call(readFile, { path: "t/lines.txt", offset: 26 })).rejects.toMatchObject({
      status: 400,
    });
  });

  test("a huge file comes back bounded, with a way to continue", async () => {
    const line = "x".repeat(1000);
    await call(writeFile, { path: "t/huge.txt", content: Array(500).fill(line).join("\n") });
    const page = await call(readFile, { path: "t/huge.txt" });
    expect(page.content.length).toBeLessThanOrEqual(MAX_READ_CHARS);
    expect(page.truncated).toBe(true);
    expect(page.next_offset).toBe(page.line_end + 1);
  });

  test("same bytes under two paths share one blob; the blob goes when the last path does", async () => {
    const a = await call(writeFile, { path: "t/same-1.txt", content: "shared" });
    const b = await call(writeFile, { path: "t/same-2.txt", content: "shared" });
    expect(a.sha256).toBe(b.sha256);
    const blob = blobsOf(server.services.files).pathOf(a.sha256);
    await call(deleteFile, { path: "t/same-1.txt" });
    expect(existsSync(blob)).toBe(true);
    await call(writeFile, { path: "t/same-2.txt", content: "changed" });
    expect(existsSync(blob)).toBe(false);
  });

  test("missing file: 404 file_not_found", async () => {
    const err = await call(readFile, { path: "t/none.txt" }).catch((e) => e);
    expect(err).toBeInstanceOf(QuiverError);
    expect(err.status).toBe(404);
    expect(err.code).toBe("file_not_found");
  });
});

describe("list_files pagination", () => {
  test("pages are complete and stable while files are added and removed", async () => {
    for (let i = 0; i < 30; i++)
      await call(writeFile, { path: `p/${String(i).padStart(2, "0")}.txt`, content: String(i) });
    const seen: string[] = [];
    let cursor: string | undefined;
    let round = 0;
    do {
      const page: any = await call(listFiles, { prefix: "p/", limit: 7, cursor });
      seen.push(...page.files.map((f: { path: string }) => f.path));
      cursor = page.next_cursor;
      // churn behind and ahead of the cursor
      if (round++ === 1) {
        await call(deleteFile, { path: "p/00.txt" });
        await call(writeFile, { path: "p/00a.txt", content: "behind the cursor" });
      }
    } while (cursor);
    const expected = Array.from({ length: 30 }, (_, i) => `p/${String(i).padStart(2, "0")}.txt`);
    expect(seen).toEqual(expected); // nothing skipped, nothing twice
  });

  test("a forged cursor is a 400", async () => {
    await expect(call(listFiles, { cursor: "garbage" })).rejects.toMatchObject({
      status: 400,
      code: "invalid_cursor",
    });
  });

  test("temp directory is empty after all writes", () => {
    expect(readdirSync(join(server.config.dataDir, "tmp"))).toEqual([]);
  });
});
