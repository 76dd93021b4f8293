import { Database, type Statement } from "bun:sqlite";

/**
 * What the planner needs to know about a query word: its Porter stem, as the stemmed index
 * holds it, and in how many passages that stem occurs (its document frequency).
 *
 * The stem comes from SQLite's own porter tokenizer (an in-memory FTS5 table, one insert and
 * one vocabulary read, ~20 µs), so it is exactly the form the index stores. The frequency
 * comes from passages_stem_vocab, which counts by walking the term's postings: ~1 ms for a
 * word in 14k passages, µs for a rare one. Both are cached; a frequency is only used to
 * choose which very common words to leave out of the candidate match (search-plan.ts), so a
 * stale one costs some speed, never a wrong result, and it is re-read after MAX_AGE_MS.
 */
const TOKENIZER = "porter unicode61 remove_diacritics 2 categories 'L* N* Co Mn Mc'";
const MAX_CACHED = 20_000;
const MAX_AGE_MS = 5 * 60_000;

export class TermStats {
  private readonly mem = new Database(":memory:");
  private readonly q: {
    stemIn: Statement<unknown, [string]>;
    stemOut: Statement<{ term: string }, []>;
    stemClear: Statement;
    df: Statement<{ doc: number }, [string]>;
  };
  private readonly stems = new Map<string, string>();
  private readonly dfs = new Map<string, { df: number; at: number }>();

  constructor(db: Database) {
    this.mem.run(`CREATE VIRTUAL TABLE t USING fts5(x, tokenize = "${TOKENIZER}")`);
    this.mem.run("CREATE VIRTUAL TABLE tv USING fts5vocab(t, 'instance')");
    this.q = {
      stemIn: this.mem.prepare("INSERT INTO t (rowid, x) VALUES (1, ?)"),
      stemOut: this.mem.prepare("SELECT term FROM tv ORDER BY offset LIMIT 1"),
      stemClear: this.mem.prepare("DELETE FROM t"),
      df: db.prepare("SELECT doc FROM passages_stem_vocab WHERE term = ?"),
    };
  }

  /** The stem of one lower-case word (a single token). */
  stem(word: string): string {
    let s = this.stems.get(word);
    if (s === undefined) {
      this.q.stemIn.run(word);
      s = this.q.stemOut.get()?.term ?? word;
      this.q.stemClear.run();
      if (this.stems.size >= MAX_CACHED) this.stems.clear();
      this.stems.set(word, s);
    }
    return s;
  }

  /** Passages holding this stem (in any field). */
  df(stem: string): number {
    const now = Date.now();
    const hit = this.dfs.get(stem);
    if (hit && now - hit.at < MAX_AGE_MS) return hit.df;
    const df = this.q.df.get(stem)?.doc ?? 0;
    if (this.dfs.size >= MAX_CACHED) this.dfs.clear();
    this.dfs.set(stem, { df, at: now });
    return df;
  }

  close(): void {
    this.mem.close();
  }
}
