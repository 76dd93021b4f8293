import { Database } from "bun:sqlite";
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { loadConfig } from "../src/config.ts";
import { captureLogs } from "../src/log-sink.ts";
import { openSqliteServices } from "../src/services.ts";
import { BlobStore } from "../src/store/blobs.ts";
import { openDatabase } from "../src/store/db.ts";
import { migrations } from "../src/store/migrations.ts";
import { MAX_PREFIX_TERMS } from "../src/store/query.ts";
import { TOTAL_CAP } from "../src/store/search.ts";
import { MAX_PASSAGES_PER_FILE } from "../src/store/search-rank.ts";
import { tempDir } from "./support/services.ts";
import { blobsOf } from "./support/store-internals.ts";

// Ranking for plain-word queries (issue 14), on fixtures of this file's own.
// A fresh store for every test, holding only the filler below: rankings depend on what
// else is stored (how rare a word is), so a test must not see another test's files.
let services: ReturnType<typeof openSqliteServices>;
beforeEach(async () => {
  services = openSqliteServices(loadConfig({ data: tempDir(), quiet: true }, {}));
  for (let i = 0; i < 20; i++) await put(`fill/note-${i}.md`, filler(i));
});
afterEach(() => {
  services.close();
  rmSync(services.config.dataDir, { recursive: true, force: true });
});
const put = (path: string, text: string) =>
  services.files.put(path, [new TextEncoder().encode(text)]);
const find = (query: string, opts: { limit?: number; offset?: number; pathPrefix?: string } = {}) =>
  services.index.search(query, { limit: 10, ...opts });
const paths = (query: string, opts = {}) => find(query, opts).results.map((r) => r.path);

// Filler that shares everyday vocabulary, so no word below is unique by accident.
const filler = (i: number) =>
  `# Notes ${i}\n\nServers read configuration files at start and write a log line per request.\n`;

describe("plain words: as many as match, never empty for one missing word", () => {
  test("a question with a word the file does not contain still finds the file", async () => {
    await put(
      "q/spin.md",
      "# Spinlocks\n\nTake a spinlock in an interrupt handler with spin_lock_irqsave.\n",
    );
    // "safely" is nowhere in the store; every other meaningful word is in q/spin.md.
    expect(find('"safely"').results).toEqual([]);
    expect(paths("how do I safely take a spinlock in an interrupt handler")[0]).toBe("q/spin.md");
  });

  test("passages matching more of the words rank first", async () => {
    await put("q/two.md", "# Pelican\n\nThe pelican and the walrus share a beach.\n");
    await put("q/one-a.md", "# Pelican\n\nA pelican flies.\n");
    await put("q/one-b.md", "# Walrus\n\nA walrus swims.\n");
    expect(paths("pelican walrus")[0]).toBe("q/two.md");
  });

  test("stopwords are ignored, unless the query has nothing else", async () => {
    await put("q/hamlet.txt", "Hamlet asks whether to be or not to be.\n");
    // Every word but "hamlet" is a stopword: the ranking is hamlet's alone.
    expect(paths("what is the hamlet about")[0]).toBe("q/hamlet.txt");
    expect(paths("to be or not to be")[0]).toBe("q/hamlet.txt");
  });
});

describe("stemming, with the exact form first", () => {
  test("sorting finds sort and sorted; the file with sorting itself ranks first", async () => {
    await put("stem/sorted.md", "# Lists\n\nA list can be sorted in place.\n");
    await put("stem/sorting.md", "# Lists\n\nSorting a list in place is cheap.\n");
    await put("stem/sort.md", "# Lists\n\nThe sort method takes a key.\n");
    const got = paths("sorting", { pathPrefix: "stem/" });
    expect(got[0]).toBe("stem/sorting.md");
    expect(new Set(got)).toEqual(new Set(["stem/sorted.md", "stem/sorting.md", "stem/sort.md"]));
    // And the other way round: the exact form wins for each.
    expect(paths("sorted", { pathPrefix: "stem/" })[0]).toBe("stem/sorted.md");
  });

  test("prefix* still matches the unstemmed words (a stemmed index would miss decorat*)", async () => {
    await put("stem/deco.md", "# Functions\n\nDecorators wrap functions.\n");
    expect(paths("decorat*")).toEqual(["stem/deco.md"]);
  });

  test("a stemmed match is marked in the snippet", async () => {
    await put("stem/walk.md", "# Walking\n\nShe walked to the harbour every morning.\n");
    const hit = find("walks harbours").results[0]!;
    expect(hit.path).toBe("stem/walk.md");
    expect(hit.snippet).toContain("«walked»");
    expect(hit.snippet).toContain("«harbour»");
  });

  test("the snippet marks whole words in any case, never the inside of another word", async () => {
    await put("stem/ferry.md", "# Ferries\n\nFERRIES left; the ferry2 and ferryman stayed.\n");
    const hit = find("ferries").results[0]!;
    expect(hit.path).toBe("stem/ferry.md");
    expect(hit.snippet).toContain("«FERRIES» left");
    expect(hit.snippet).toContain(" ferry2 and ferryman stayed");
  });
});

describe("fields: path and title outweigh the body", () => {
  test("a title match beats a body match of the same word", async () => {
    // The body file mentions the word twice, in a shorter passage: body alone would win.
    await put("fields/body.md", "# Miscellany\n\nKestrel kestrel.\n");
    await put(
      "fields/title.md",
      "# Kestrel\n\nA small falcon that hovers over fields before it dives, common in Europe.\n",
    );
    expect(paths("kestrel")[0]).toBe("fields/title.md");
  });

  test("a path match counts: the file named for the word ranks first", async () => {
    await put("fields/misc.md", "# Misc\n\nThe ocelot is a wild cat.\n");
    await put("fields/ocelot.md", "# Wild cats\n\nSpotted, nocturnal, and shy: the ocelot.\n");
    expect(paths("ocelot")[0]).toBe("fields/ocelot.md");
  });

  test("the headings above a passage are searched with it", async () => {
    await put(
      "fields/guide.rst",
      "Guide\n=====\n\nIntro.\n\nNarwhal care\n------------\n\nFeed them twice a day.\n",
    );
    const hit = find("narwhal feed").results[0]!;
    expect(hit).toMatchObject({ path: "fields/guide.rst", line_start: 6, line_end: 9 });
  });
});

describe("known items: a title as words, words of one line", () => {
  test("the file whose title is the query outranks a longer title holding the same words", async () => {
    // The guide says the words more often, in two sections: by the words alone it would
    // come first.
    await put(
      "known/guide.md",
      "# Marmot Burrow Function Setup Guide\n\nThe marmot burrow function: set up the " +
        "marmot burrow function.\n\n## Tuning\n\nTune the marmot burrow function for the marmot.\n",
    );
    await put(
      "known/function.md",
      "# Marmot Burrow Function\n\nWhat it does, for those who dig. Digging is its purpose, " +
        "and the work it does is described below in detail.\n",
    );
    expect(paths("marmot burrow function")[0]).toBe("known/function.md");
  });

  test("a passage holding the words side by side outranks one holding them apart", async () => {
    // The scattered one says quokka twice: by the words alone it would come first.
    const common =
      "Every island keeps records of weather, tides and visitors. The beaches and the " +
      "cliffs draw crowds. Ferries run all year. A lighthouse stands on the point and a " +
      "museum keeps old maps.";
    await put(
      "known/scattered.md",
      `# Island\n\nQuokka habits vary. ${common} Selfie sticks are common, and so is the quokka.\n`,
    );
    await put("known/together.md", `# Island\n\n${common} A quokka selfie is common.\n`);
    expect(paths("quokka selfie")[0]).toBe("known/together.md");
  });
});

describe("results: per-file cap, bounded total", () => {
  test(`a page shows at most ${MAX_PASSAGES_PER_FILE} passages of one file, then other files`, async () => {
    const sections = Array.from(
      { length: 8 },
      (_, i) => `## Part ${i}\n\nThe axolotl regrows its limbs, part ${i}.\n`,
    );
    await put("cap/many.md", `# Axolotl\n\n${sections.join("\n")}`);
    await put("cap/other.md", "# Amphibians\n\nAn axolotl lives in lakes.\n");
    const res = find("axolotl");
    const fromMany = res.results.filter((r) => r.path === "cap/many.md");
    expect(fromMany.length).toBe(MAX_PASSAGES_PER_FILE);
    expect(res.results.map((r) => r.path)).toContain("cap/other.md");
    // A second page does not repeat the first.
    const next = find("axolotl", { offset: res.results.length });
    expect(next.results).toEqual([]);
  });

  test("a file holding most matches does not crowd the others off the page", async () => {
    // 300 short passages of one file outrank every other file's passage; the page still
    // lists the other files (the ranked candidates are widened until the page is full).
    const sections = Array.from({ length: 300 }, (_, i) => `## T${i}\n\ntapir tapir ${i}\n`);
    await put("crowd/many.md", `# Tapirs\n\n${sections.join("\n")}`);
    for (let i = 0; i < 6; i++)
      await put(
        `crowd/other-${i}.md`,
        `# Notes ${i}\n\nIn the long list of animals seen on the trip, a tapir was one, number ${i}.\n`,
      );
    const res = find("tapir", { limit: 8 });
    expect(res.results.length).toBe(8);
    expect(res.results.filter((r) => r.path === "crowd/many.md").length).toBe(
      MAX_PASSAGES_PER_FILE,
    );
  });

  test("a file's other passages are listed only when they match by their own text", async () => {
    // Every passage carries its file's title; the Diet section matches "quagga" only there.
    await put(
      "own/quagga.md",
      "# Quagga\n\nA striped zebra, extinct.\n\n## Diet\n\nGrass and leaves.\n",
    );
    expect(find("quagga").results.map((r) => [r.path, r.line_start])).toEqual([
      ["own/quagga.md", 1],
    ]);
  });

  test(`total is counted up to ${TOTAL_CAP}; past it, it says it is a lower bound`, async () => {
    const many = Array.from({ length: TOTAL_CAP + 50 }, (_, i) => `# H${i}\n\nzebu ${i}\n`);
    await put("total/zebu.md", many.join("\n"));
    const res = find("zebu", { limit: 5 });
    expect(res.results.length).toBe(MAX_PASSAGES_PER_FILE);
    expect(res).toMatchObject({ total: TOTAL_CAP, total_is_lower_bound: true });
    // Under the cap the total is exact (this test's own files: one passage each).
    for (let i = 0; i < 3; i++) await put(`total/okapi-${i}.txt`, `an okapi, number ${i}\n`);
    const few = find("okapi", { limit: 5 });
    expect(few.total).toBe(3);
    expect(few.total_is_lower_bound).toBeUndefined();
  });
});

describe("bounded cost", () => {
  test("short prefixes and too many prefixes are a 400 that says the limit", async () => {
    await put("bounded/axe.txt", "an axe for the woods\n");
    expect(() => find("t*")).toThrow(
      expect.objectContaining({ status: 400, code: "invalid_query" }),
    );
    const many = Array.from({ length: MAX_PREFIX_TERMS + 1 }, (_, i) => `ab${i}*`).join(" ");
    expect(() => find(many)).toThrow(expect.objectContaining({ status: 400 }));
    expect(find("axe*").results.map((r) => r.path)).toEqual(["bounded/axe.txt"]);
    expect(find("ax*").results.map((r) => r.path)).toContain("bounded/axe.txt");
  });
});

describe("upgrading a data directory made by the previous version (schema 3)", () => {
  test("it gains the stemmed index at the next open, with its files and passages intact", async () => {
    const old = tempDir();
    // The database exactly as version 3 wrote it: its schema, a file row, its blob, and
    // the passages and unstemmed index that version's SearchIndex inserted.
    const db = new Database(`${old}/quiver.db`, { create: true });
    for (const m of migrations.slice(0, 3)) db.run(m);
    db.run("PRAGMA user_version = 3");
    const text = "Sorting\n=======\n\nHow the quokka sorts its berries.\n";
    const blobs = new BlobStore(old);
    const blob = await blobs.write([new TextEncoder().encode(text)]);
    blob.release();
    const fileId = db
      .prepare(
        "INSERT INTO files (path, hash, size, content_type, is_text, created_at, updated_at) VALUES (?, ?, ?, 'text/plain', 1, 5, 6) RETURNING id",
      )
      .get("v3/quokka.rst", blob.hash, blob.size) as { id: number };
    const pid = db
      .prepare("INSERT INTO passages (file_id, line_start, line_end) VALUES (?, 1, 4) RETURNING id")
      .get(fileId.id) as { id: number };
    db.prepare("INSERT INTO passages_fts (rowid, text) VALUES (?, ?)").run(pid.id, text.trim());
    db.close();

    const logs: string[] = [];
    const upgraded = captureLogs(logs, () =>
      openSqliteServices(loadConfig({ data: old, quiet: true }, {})),
    );
    try {
      // Progress was reported, and the stemmed, titled index answers.
      expect(logs.join("")).toContain("search index: indexing stored files");
      const hit = upgraded.index.search("sorted berry", { limit: 5 }).results[0];
      expect(hit).toMatchObject({ path: "v3/quokka.rst", line_start: 1, line_end: 4 });
      // The file itself is as it was.
      const db = openDatabase(old);
      const row = db.query("SELECT hash, size, created_at FROM files").all();
      db.close();
      expect(row).toEqual([{ hash: blob.hash, size: blob.size, created_at: 5 }]);
      expect(new TextDecoder().decode(blobsOf(upgraded.files).readSync(blob.hash))).toBe(text);
      expect(upgraded.index.passageCount()).toBe(1);
    } finally {
      upgraded.close();
    }
  });
});
