import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { looksLikeText } from "../../src/store/content.ts";
import { writeCorpus } from "./corpus.ts";
import { type Judged, loadQuerySet } from "./search-quality.ts";
import { startServer } from "./server.ts";

const TOKEN = "bench-token-0123456789abcdef0123";

/** Text files under `dir` (hidden ones skipped, as quiver index does), relative path → text. */
export function readTexts(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const e of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!e.isFile()) continue;
    const abs = join(e.parentPath, e.name);
    const rel = abs.slice(dir.length + 1);
    if (rel.split("/").some((part) => part.startsWith("."))) continue;
    const bytes = readFileSync(abs);
    if (looksLikeText(bytes.subarray(0, 8192))) out.set(rel, bytes.toString("utf8"));
  }
  return out;
}

/** `quiver serve` on an existing data directory, with a search call over HTTP. */
export async function startQuiver(dataDir: string) {
  const server = await startServer({
    name: "quiver",
    cmd: [
      process.execPath,
      join(import.meta.dir, "..", "..", "src", "main.ts"),
      "serve",
      "--port",
      "{port}",
      "--data",
      dataDir,
      "--quiet",
      // Latency is measured one request after another; at ~2 ms each that passes the
      // default 100 requests/s per token.
      "--rate-limit",
      "0",
    ],
    env: { QUIVER_TOKEN: TOKEN },
    pinned: false,
  });
  const headers = { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" };
  return {
    async search(query: string): Promise<unknown> {
      const res = await fetch(`${server.url}/tools/search`, {
        method: "POST",
        headers,
        body: JSON.stringify({ query, limit: 10 }),
      });
      if (!res.ok) throw new Error(`search ${JSON.stringify(query)}: HTTP ${res.status}`);
      return res.json();
    },
    stop: () => server.stop(),
  };
}

/**
 * The corpus as a directory whose files' relative paths are the expected paths' suffixes,
 * with the dev query sets (or, with `smoke`, a generated corpus and queries it answers).
 */
export function judgedCorpus(opts: {
  smoke: boolean;
  work: string;
  corpusSource: string;
  queriesDir: string;
  /** Called (and expected not to return) when the corpus or a query set is not there. */
  missing?: (what: string, where: string) => never;
}): { dir: string; sets: Record<string, Judged[]> } {
  const { smoke, work, corpusSource, queriesDir, missing } = opts;
  if (smoke) {
    const dir = writeCorpus(join(work, "corpus"), 40).dir;
    // Known-item queries of both kinds the generated files can answer: a file's unique
    // marker word with filler (a question) and the marker alone (keywords).
    const nl = [3, 7, 11].map((i) => ({
      query: `which document mentions marker${i} and its sections`,
      expected: [`part-${i % 20}/doc-${i}.md`],
    }));
    const kw = [5, 9].map((i) => ({
      query: `marker${i}`,
      expected: [`part-${i % 20}/doc-${i}.md`],
    }));
    return { dir, sets: { questions: nl, keywords: kw } };
  }
  if (missing && !existsSync(corpusSource)) missing("corpus", corpusSource);
  for (const f of ["nl-dev.tsv", "kw-dev.tsv"])
    if (missing && !existsSync(join(queriesDir, f))) missing("query set", join(queriesDir, f));
  let dir = corpusSource;
  if (statSync(corpusSource).isFile()) {
    dir = join(work, "corpus");
    Bun.spawnSync(["mkdir", "-p", dir]);
    const tar = Bun.spawnSync(["tar", "-xzf", corpusSource, "-C", dir]);
    if (tar.exitCode !== 0) throw new Error(`could not unpack ${corpusSource}`);
    if (existsSync(join(dir, "docs"))) dir = join(dir, "docs");
  }
  return {
    dir,
    sets: {
      questions: loadQuerySet(join(queriesDir, "nl-dev.tsv")),
      keywords: loadQuerySet(join(queriesDir, "kw-dev.tsv")),
    },
  };
}
