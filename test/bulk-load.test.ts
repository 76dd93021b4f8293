import { Database } from "bun:sqlite";
import { afterAll, expect, test } from "bun:test";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { spawn } from "bun";
import { loadConfig } from "../src/config.ts";
import { openSqliteServices } from "../src/services.ts";
import { ROOT } from "./support/binary.ts";
import { tempDir } from "./support/services.ts";

// `quiver index` switches the search index to bulk-load settings (FTS5 automerge and hash
// size, stored in the database) and back at the end. Killed in between, it left them
// switched — and every later clean run took them for the normal ones and kept them.
const work = tempDir("quiver-bulk-");
const data = join(work, "data");
const corpus = join(work, "corpus");
afterAll(() => rmSync(work, { recursive: true, force: true }));

function ftsSettings(): { automerge: number; hashsize: number } {
  const db = new Database(join(data, "quiver.db"), { readonly: true });
  try {
    const get = (k: string, fallback: number) =>
      (db.query("SELECT v FROM passages_fts_config WHERE k = ?").get(k) as { v: number } | null)
        ?.v ?? fallback;
    return { automerge: get("automerge", 4), hashsize: get("hashsize", 1024 * 1024) };
  } finally {
    db.close();
  }
}
const index = (dir: string) =>
  spawn(["bun", join(ROOT, "src/main.ts"), "index", dir, "--data", data], {
    cwd: ROOT,
    stdout: "ignore",
    stderr: "ignore",
  });

test("after a killed quiver index, the next open restores the search index's settings", async () => {
  mkdirSync(corpus);
  for (let i = 0; i < 6000; i++)
    writeFileSync(
      join(corpus, `doc-${i}.md`),
      `# Doc ${i}\n\n${"words and more words ".repeat(40)}\n`,
    );
  // The store exists first, so the check below reads settings from an open database.
  openSqliteServices(loadConfig({ data, quiet: true }, {})).close();
  const normal = ftsSettings();

  const importing = index(corpus);
  // Killed once the bulk settings are in force (the import is then committing batches).
  for (;;) {
    const now = (() => {
      try {
        return ftsSettings();
      } catch {
        return normal; // the importer holds a write lock at this very moment
      }
    })();
    if (now.automerge !== normal.automerge) break;
    if (importing.exitCode !== null) throw new Error("import ended before it could be killed");
    await Bun.sleep(5);
  }
  importing.kill("SIGKILL");
  await importing.exited;
  expect(ftsSettings()).not.toEqual(normal); // what the killed import left

  openSqliteServices(loadConfig({ data, quiet: true }, {})).close();
  expect(ftsSettings()).toEqual(normal);

  // And a later clean run leaves them normal too.
  const small = join(work, "small");
  mkdirSync(small);
  writeFileSync(join(small, "one.md"), "# one\n");
  expect(await index(small).exited).toBe(0);
  expect(ftsSettings()).toEqual(normal);
}, 120_000);
