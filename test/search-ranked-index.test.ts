import { Database } from "bun:sqlite";
import { afterAll, describe, expect, test } from "bun:test";
import { loadConfig } from "../src/config.ts";
import { openSqliteServices } from "../src/services.ts";
import { BlobStore } from "../src/store/blobs.ts";
import { openDatabase } from "../src/store/db.ts";
import { migrations } from "../src/store/migrations.ts";
import { porterStem } from "../src/store/porter.ts";
import { parseQuery } from "../src/store/query.ts";
import { RankedIndex } from "../src/store/ranked-index.ts";
import { SearchIndex } from "../src/store/search.ts";
import { planPlain } from "../src/store/search-plan.ts";
import { EXACT, forgetWordForms, stem, TermDictionary } from "../src/store/search-terms.ts";
import { tempDir } from "./support/services.ts";
import { blobsOf } from "./support/store-internals.ts";

// The in-memory ranked index (issue 14): it follows writes made on other connections,
// answers from FTS5 (and says so) while it is built, and prunes common words with care.
const dir = tempDir();
const services = openSqliteServices(loadConfig({ data: dir, quiet: true }, {}));
const other = new SearchIndex(openDatabase(dir));
afterAll(() => {
  other.close();
  other.db.close(false);
  services.close();
});
const put = (path: string, text: string) =>
  services.files.put(path, [new TextEncoder().encode(text)]);
const pathsOn = (index: SearchIndex, query: string) =>
  index.search(query, { limit: 10 }).results.map((r) => r.path);

describe("Porter stemming", () => {
  test("the forms of a word meet at one stem; short and non-ASCII words stay as they are", () => {
    for (const w of ["sorting", "sorted", "sorts", "sort"]) expect(porterStem(w)).toBe("sort");
    expect(porterStem("relational")).toBe("relat");
    expect(porterStem("hopping")).toBe("hop");
    expect(porterStem("generalizations")).toBe("gener");
    expect(porterStem("is")).toBe("is");
    expect(porterStem("café")).toBe("café");
  });
});

describe("the term dictionary", () => {
  test("each word keeps its stem's and exact form's ids as the table grows and the forms are forgotten", () => {
    const dict = new TermDictionary();
    // Thousands of distinct words (the table starts small and grows several times).
    const words = Array.from({ length: 6000 }, (_, i) => `w${i.toString(36)}ings`);
    const idsOf = (text: string) => {
      const out: number[] = [];
      dict.scan(text, (t) => out.push(t));
      return out;
    };
    const first = idsOf(words.join(" "));
    forgetWordForms();
    expect(idsOf(words.join(" ").toUpperCase())).toEqual(first);
    const expected = words.flatMap((w) =>
      stem(w) === w ? [dict.ids.get(w)] : [dict.ids.get(stem(w)), dict.ids.get(EXACT + w)],
    );
    expect(first).toEqual(expected as number[]);
    expect(new Set(first).size).toBe(dict.ids.size);
  });
});

describe("a connection's ranked index follows every connection's writes", () => {
  test("a file written, rewritten and deleted through another connection is found, changed, gone", async () => {
    await put("log/a.md", "# Ferns\n\nFerns grow in shade.\n");
    expect(pathsOn(other, "ferns shade")).toEqual(["log/a.md"]);
    await put("log/b.md", "# Mosses\n\nMosses grow on stones in the shade.\n");
    expect(pathsOn(other, "mosses")).toEqual(["log/b.md"]);
    await put("log/b.md", "# Lichens\n\nLichens grow on bark.\n");
    expect(pathsOn(other, "mosses")).toEqual([]);
    expect(pathsOn(other, "lichen")).toEqual(["log/b.md"]);
    services.files.delete("log/a.md");
    expect(pathsOn(other, "ferns")).toEqual([]);
  });

  test("a write that rolls back leaves nothing to find", async () => {
    const db = openDatabase(dir);
    const writer = new SearchIndex(db);
    try {
      const id = (
        db
          .query(
            "INSERT INTO files (path, hash, size, content_type, is_text, created_at, updated_at) VALUES ('log/ghost.md', 'x', 1, 'text/plain', 1, 1, 1) RETURNING id",
          )
          .get() as { id: number }
      ).id;
      db.run("DELETE FROM files WHERE id = ?", [id]);
      expect(() =>
        db
          .transaction(() => {
            writer.index(id, "log/ghost.md", "# Ghost\n\nA wraith in the attic.\n");
            throw new Error("abandoned");
          })
          .immediate(),
      ).toThrow("abandoned");
      expect(pathsOn(other, "wraith attic")).toEqual([]);
    } finally {
      writer.close();
      db.close(false);
    }
  });
});

describe("while the ranked index is built, searches are answered from FTS5 and say so", () => {
  test("a large store: the first question gets FTS5's answer, marked; once built, the ranked one", async () => {
    const big = tempDir();
    const store = openSqliteServices(loadConfig({ data: big, quiet: true }, {}));
    const sections = Array.from({ length: 2500 }, (_, i) => `## Part ${i}\n\nfiller words ${i}\n`);
    await store.files.put("big/filler.md", [new TextEncoder().encode(sections.join("\n"))]);
    await store.files.put("big/owl.md", [
      new TextEncoder().encode("# Owls\n\nThe barn owl hunts at night.\n"),
    ]);
    store.close();
    const index = new SearchIndex(openDatabase(big), { background: true });
    try {
      const first = index.search("which owls hunt at night", { limit: 5 });
      expect(first.ranking_warming_up).toBe(true);
      expect(first.results[0]?.path).toBe("big/owl.md");
      await new Promise<void>((resolve) => index.whenRanked(resolve));
      const later = index.search("which owls hunt at night", { limit: 5 });
      expect(later.ranking_warming_up).toBeUndefined();
      expect(later.results[0]?.path).toBe("big/owl.md");
    } finally {
      index.close();
      index.db.close(false);
    }
  });
});

describe("common words only add to what the rarer ones found", () => {
  test("a rare word with a very common one: the passages with both first, and total is a lower bound", async () => {
    const common = Array.from({ length: 6000 }, (_, i) => `## S${i}\n\nsystem note ${i}\n`);
    await put("prune/common.md", common.join("\n"));
    await put("prune/both.md", "# Quetzal\n\nThe quetzal system of feathers.\n");
    await put("prune/rare.md", "# Birds\n\nA quetzal sits still.\n");
    const res = services.index.search("quetzal system", { limit: 5 });
    expect(res.results.slice(0, 2).map((r) => r.path)).toEqual(["prune/both.md", "prune/rare.md"]);
    expect(res.total_is_lower_bound).toBe(true);
    expect(res.total).toBeGreaterThanOrEqual(1000);
  });
});

describe("the index itself: postings folded into its arena answer as the recent ones did", () => {
  test("scores, title exactness and proximity are the same before and after a fold", () => {
    const dict = new TermDictionary();
    const ix = new RankedIndex(dict, true);
    const docs = [
      ["Heron Nest", "A heron builds a nest of sticks by the water."],
      ["Heron Nest Building Guide", "The heron nest, the heron nest again, and more of it."],
      ["Shore", "A heron waits. Far away, after the reeds and the mud, a nest."],
    ];
    docs.forEach(([title, body], i) => {
      const bodyIds: number[] = [];
      const words: number[] = [];
      const bodyLen = dict.scan(body!, (t, w) => {
        bodyIds.push(t);
        words.push(w);
      });
      const titleIds: number[] = [];
      const titleLen = dict.scan(title!, (t) => titleIds.push(t));
      ix.add(i + 1, i + 1, [bodyIds, [], titleIds, []], [bodyLen, 0, titleLen, 0], {
        titleWords: title!.split(" ").length,
        bodyWords: words,
      });
    });
    const query = planPlain(parseQuery("heron nest").words!);
    const run = () => ({
      passages: ix.search(query.terms, query.groups, 10, 0.6).top,
      files: [...ix.scoreFiles(query.terms, query.groups, 0.6, [1, 2, 3])],
    });
    const recent = run();
    ix.fold();
    expect(run()).toEqual(recent);
    // Words side by side (1) above words apart (3), though both hold each once.
    const order = recent.passages.map((p) => p.id);
    expect(order.indexOf(1)).toBeLessThan(order.indexOf(3));
  });
});

describe("the index's weights follow the store as it changes", () => {
  test("once the fields' average lengths have moved, scores are those of an index built afresh", () => {
    const short = [1, 2, 3].map((i) => ["Heron Nest", `A heron builds nest ${i} by the water.`]);
    // Long passages without the query's words: the average body length grows tenfold.
    const filler = Array.from({ length: 40 }, (_, i) => [
      `Reeds ${i}`,
      Array.from({ length: 120 }, (_, w) => `mud${(w * 7 + i) % 50}`).join(" "),
    ]);
    const add = (ix: RankedIndex, dict: TermDictionary, docs: string[][], from: number) =>
      docs.forEach(([title, body], i) => {
        const ids = (text: string) => {
          const out: number[] = [];
          return [out, dict.scan(text, (t) => out.push(t))] as const;
        };
        const [b, bLen] = ids(body!);
        const [t, tLen] = ids(title!);
        ix.add(from + i, from + i, [b, [], t, []], [bLen, 0, tLen, 0]);
      });
    const query = planPlain(parseQuery("heron nest").words!);
    const top = (ix: RankedIndex) => ix.search(query.terms, query.groups, 10, 0.6).top;
    const dict = new TermDictionary();
    const grown = new RankedIndex(dict, true);
    add(grown, dict, short, 1);
    grown.fold();
    const before = top(grown);
    add(grown, dict, filler, 100);
    const freshDict = new TermDictionary();
    const fresh = new RankedIndex(freshDict, true);
    add(fresh, freshDict, short, 1);
    add(fresh, freshDict, filler, 100);
    fresh.fold();
    expect(top(grown)).toEqual(top(fresh));
    // Shorter than the average now, the same passages score higher than they did.
    expect(top(grown)[0]!.score).toBeGreaterThan(before[0]!.score);
  });
});

describe("upgrading a data directory made by the version before the ranked index", () => {
  test("its second FTS5 index gives way to the ranked index; files and search intact, no re-import", async () => {
    const old = tempDir();
    const db = new Database(`${old}/quiver.db`, { create: true });
    // Every migration before the ranked index's: passages_stem and all.
    const before = migrations.findIndex((m) => m.includes("DROP TABLE IF EXISTS passages_stem;"));
    expect(before).toBeGreaterThan(0);
    for (const m of migrations.slice(0, before)) db.run(m);
    db.run(`PRAGMA user_version = ${before}`);
    const text = "Sorting\n=======\n\nHow the quokka sorts its berries.\n";
    const blobs = new BlobStore(old);
    const blob = await blobs.write([new TextEncoder().encode(text)]);
    blob.release();
    const fileId = db
      .prepare(
        "INSERT INTO files (path, hash, size, content_type, is_text, created_at, updated_at) VALUES (?, ?, ?, 'text/plain', 1, 5, 6) RETURNING id",
      )
      .get("v/quokka.rst", blob.hash, blob.size) as { id: number };
    const pid = db
      .prepare("INSERT INTO passages (file_id, line_start, line_end) VALUES (?, 1, 4) RETURNING id")
      .get(fileId.id) as { id: number };
    db.prepare("INSERT INTO passages_fts (rowid, text) VALUES (?, ?)").run(pid.id, text.trim());
    db.prepare(
      "INSERT INTO passages_stem (rowid, path, title, headings, body) VALUES (?, ?, 'Sorting', '', ?)",
    ).run(pid.id, "v/quokka.rst", text.trim());
    db.close();

    const upgraded = openSqliteServices(loadConfig({ data: old, quiet: true }, {}));
    try {
      const hit = upgraded.index.search("sorted berry", { limit: 5 }).results[0];
      expect(hit).toMatchObject({ path: "v/quokka.rst", line_start: 1, line_end: 4 });
      expect(hit?.snippet).toContain("«sorts»");
      expect(upgraded.index.passageCount()).toBe(1);
      expect(new TextDecoder().decode(blobsOf(upgraded.files).readSync(blob.hash))).toBe(text);
      // A new file is searchable at once, as before.
      await upgraded.files.put("v/new.md", [new TextEncoder().encode("# Wombats\n\nDig.\n")]);
      expect(upgraded.index.search("wombat", { limit: 5 }).results[0]?.path).toBe("v/new.md");
    } finally {
      upgraded.close();
    }
  });
});

describe("upgrading a data directory whose change log counts with AUTOINCREMENT", () => {
  test("the log keeps its numbers, goes on counting from them, and other connections still follow writes", async () => {
    const old = tempDir();
    const db = new Database(`${old}/quiver.db`, { create: true });
    // Up to the migration that dropped AUTOINCREMENT from search_changes.
    const before = migrations.findIndex((m) => m.includes("CREATE TABLE search_changes_v11"));
    expect(before).toBeGreaterThan(0);
    for (const m of migrations.slice(0, before)) db.run(m);
    db.run(`PRAGMA user_version = ${before}`);
    // A trimmed log, as a long-running store has one: its oldest numbers are gone.
    db.run("INSERT INTO search_changes (seq, file_id) VALUES (41, 1), (42, 2)");
    db.close();

    const upgraded = openSqliteServices(loadConfig({ data: old, quiet: true }, {}));
    const reader = new SearchIndex(openDatabase(old));
    try {
      expect(reader.search("wombat", { limit: 5 }).results).toEqual([]); // its index is built
      await upgraded.files.put("w/new.md", [new TextEncoder().encode("# Wombats\n\nDig.\n")]);
      const raw = new Database(`${old}/quiver.db`, { readonly: true });
      const seqs = raw.query("SELECT seq FROM search_changes ORDER BY seq").all();
      raw.close();
      expect(seqs).toEqual([{ seq: 41 }, { seq: 42 }, { seq: 43 }]);
      expect(pathsOn(reader, "wombat")).toEqual(["w/new.md"]);
    } finally {
      reader.close();
      reader.db.close(false);
      upgraded.close();
    }
  });
});
