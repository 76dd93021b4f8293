import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import type { FileStore } from "../src/store/files.ts";

// The layout's arrows (see src/ and the design notes): data flows down, never back up, and
// the tool pipeline is the only place tools are looked up. Read from the sources, so a
// shortcut fails here the day it is written.
const SRC = join(import.meta.dir, "..", "src");
const transpiler = new Bun.Transpiler({ loader: "ts" });

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? sources(join(dir, e.name))
      : e.name.endsWith(".ts")
        ? [join(dir, e.name)]
        : [],
  );
}
const files = sources(SRC).map((path) => {
  const text = readFileSync(path, "utf8");
  // Type-only imports are gone after transpiling: these are the modules a file runs.
  const scanned = transpiler.scan(text).imports.map((i) => i.path);
  const imports = scanned
    .filter((p) => p.startsWith("."))
    .map((p) => relative(SRC, resolve(dirname(path), p)));
  return {
    name: relative(SRC, path),
    text,
    imports,
    packages: scanned.filter((p) => !p.startsWith(".")),
  };
});
const under = (prefix: string) => files.filter((f) => f.name.startsWith(prefix));

describe("layers", () => {
  test("the files this test reads are there", () => {
    expect(under("mcp/").length).toBeGreaterThan(3);
    expect(under("mcp/tool-call.ts")[0]!.imports).toContain("tools/pipeline.ts");
  });

  test.each([
    ["mcp/", ["server/", "cli/"]],
    ["tools/", ["server/", "mcp/", "cli/"]],
    ["store/", ["server/", "mcp/", "tools/", "cli/", "importer/", "jobs/"]],
  ])("src/%s imports nothing from %p", (layer, forbidden) => {
    const arrows = under(layer).flatMap((f) =>
      f.imports
        .filter((i) => forbidden.some((p) => i.startsWith(p)))
        .map((i) => `${f.name} → ${i}`),
    );
    expect(arrows).toEqual([]);
  });

  test("only the pipeline looks tools up by name", () => {
    const lookups = files.filter((f) => /\btools\.find\(/.test(f.text)).map((f) => f.name);
    expect(lookups).toEqual(["tools/pipeline.ts"]);
  });

  test("tool scopes are checked only by the pipeline (routes' scopes by the auth plugin)", () => {
    const checks = files.filter((f) => /\bscopeAllows\(/.test(f.text)).map((f) => f.name);
    expect(checks.sort()).toEqual(["server/auth.ts", "store/tokens.ts", "tools/pipeline.ts"]);
  });

  test("SQL stays in src/store/: nothing else runs bun:sqlite or reaches a store's database", () => {
    const outside = files.filter((f) => !f.name.startsWith("store/"));
    expect(outside.filter((f) => f.packages.includes("bun:sqlite")).map((f) => f.name)).toEqual([]);
    expect(
      outside.filter((f) => /\b(files|services)\.db\b/.test(f.text)).map((f) => f.name),
    ).toEqual([]);
  });

  test("the store hands out neither its database nor its blob store", () => {
    // The compiler is the check: were FileStore.db or .blobs public again, these
    // expect-errors would be unused and `tsc --noEmit` (part of npm test) would fail.
    const readBack = (files: FileStore) => [
      // @ts-expect-error FileStore.db is private
      files.db,
      // @ts-expect-error FileStore.blobs is private
      files.blobs,
    ];
    expect(readBack).toBeFunction();
    // Outside the store, blob stores are opened only where services are wired and by the
    // import worker, on its own thread.
    const opened = files.filter(
      (f) => !f.name.startsWith("store/") && /new BlobStore\(/.test(f.text),
    );
    expect(opened.map((f) => f.name).sort()).toEqual(["importer/prepare-worker.ts", "services.ts"]);
    const writes = under("importer/").filter(
      (f) => /\bBlobStore\b/.test(f.text) && !/\bBlobWriter\b/.test(f.text),
    );
    expect(writes.map((f) => f.name)).toEqual(["importer/prepare-worker.ts"]);
  });

  test("nothing above src/store/ names an engine's store class: it sees the interfaces", () => {
    // Issue 19: SQLite and PostgreSQL implement the same interfaces (store/interfaces/);
    // only services.ts, which wires them, knows which classes run. Type imports count too.
    const classes =
      "FileStore|SearchIndex|JobQueue|TokenStore|SessionStore|ClientStore|CodeStore|GrantStore|ConsentPassword";
    const importsClass = new RegExp(`import[^;]*?\\{[^}]*\\b(${classes})\\b[^}]*\\}[^;]*?from`);
    const naming = files
      .filter((f) => !f.name.startsWith("store/") && f.name !== "services.ts")
      .filter((f) => importsClass.test(f.text))
      .map((f) => f.name);
    expect(naming).toEqual([]);
    // The check itself sees such an import.
    expect(importsClass.test('import type { JobQueue } from "../store/jobs.ts";')).toBe(true);
  });

  test("store queries bind LIMIT and OFFSET as +?, which SQLite does not re-prepare on every call", () => {
    // See the comment in store/files.ts: a bare bound LIMIT made files.list cost 3-4x
    // files.get. search.ts's FTS5 statements too (measured: a count of a rare word 0.24 ->
    // 0.14 ms, a phrase's passages 0.11 -> 0.08 ms, the same rows).
    const bare = under("store/")
      .filter((f) => /\b(LIMIT|OFFSET) \?/.test(f.text))
      .map((f) => f.name);
    expect(bare).toEqual([]);
  });

  test("the tool list is typed without casts", () => {
    expect(under("tools/registry.ts")[0]!.text).not.toContain("as unknown as");
  });
});
