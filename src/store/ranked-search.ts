import type { Database, Statement } from "bun:sqlite";
import { logError } from "../log.ts";
import { RankedIndex } from "./ranked-index.ts";
import { addFile, type RankedIndexes, removeFile, storedFile, storedFiles } from "./ranked-load.ts";
import { forgetWordForms, TermDictionary } from "./search-terms.ts";

/**
 * The ranked indexes of one connection, kept current with the database through
 * search_changes (migration 10): every write of a file's passages appends the file's id
 * there in the same transaction, so a search that sees a new max(seq) re-reads just those
 * files, whichever connection or process wrote them — and a rolled-back write leaves no
 * row to follow.
 *
 * Built whole at first use. In place (`sync`), that happens inside the first search; on
 * the search thread it runs in slices between searches (buildInBackground), and so does
 * a catch-up of more than CATCH_UP_NOW files (an import): until it is done, `ready` is
 * false and searches are answered from FTS5 alone (search.ts), never from a stale index.
 */
const CATCH_UP_NOW = 50;
/** Stores up to this many passages are built at once even on the search thread (~0.1 s). */
const BUILD_NOW = 2_000;
/** Time one background slice may take before it lets searches in. */
const SLICE_MS = 8;

type Step = Generator<void, void>;

export class RankedSearch {
  private indexes?: RankedIndexes;
  private seq = 0;
  private work?: Step;
  private readonly q: {
    maxSeq: Statement<{ seq: number | null }, []>;
    maxPassage: Statement<{ id: number | null }, []>;
    minSeq: Statement<{ seq: number | null }, []>;
    changed: Statement<{ file_id: number }, [number, number]>;
  };

  constructor(private readonly db: Database) {
    this.q = {
      maxSeq: db.prepare("SELECT max(seq) AS seq FROM search_changes"),
      maxPassage: db.prepare("SELECT max(id) AS id FROM passages"),
      minSeq: db.prepare("SELECT min(seq) AS seq FROM search_changes"),
      changed: db.prepare(
        "SELECT DISTINCT file_id FROM search_changes WHERE seq > ? AND seq <= ? ORDER BY file_id",
      ),
    };
  }

  /**
   * The indexes, current with the database, or undefined while background work (a build
   * or a large catch-up) is still under way. `background` (the search thread): start
   * such work in slices rather than doing it here.
   */
  current(background = false): RankedIndexes | undefined {
    if (this.work) return undefined;
    if (!this.indexes) {
      const build = this.build();
      if (background && (this.q.maxPassage.get()?.id ?? 0) > BUILD_NOW)
        return this.runInBackground(build);
      drain(build);
      return this.indexes;
    }
    const max = this.q.maxSeq.get()?.seq ?? 0;
    if (max === this.seq) return this.indexes;
    const min = this.q.minSeq.get()?.seq ?? 0;
    if (min > this.seq + 1) {
      // Changes we have not applied were trimmed from the log: start again.
      this.indexes = undefined;
      return this.current(background);
    }
    const files = this.q.changed.all(this.seq, max).map((r) => r.file_id);
    const catchUp = this.catchUp(files, max);
    if (background && files.length > CATCH_UP_NOW) return this.runInBackground(catchUp);
    drain(catchUp);
    return this.indexes;
  }

  private *build(): Step {
    const seq = this.q.maxSeq.get()?.seq ?? 0;
    const dict = new TermDictionary();
    const next = { dict, passages: new RankedIndex(dict, true), files: new RankedIndex(dict) };
    for (const f of storedFiles(this.db)) {
      addFile(next, f.fileId, f.path, f.passages);
      yield;
    }
    next.passages.fold();
    next.files.fold();
    forgetWordForms();
    this.indexes = next;
    // Files written while this ran are in the log after `seq`: the next search applies them.
    this.seq = seq;
  }

  private *catchUp(files: readonly number[], seq: number): Step {
    const to = this.indexes!;
    for (const fileId of files) {
      removeFile(to, fileId);
      const f = storedFile(this.db, fileId);
      if (f) addFile(to, fileId, f.path, f.passages);
      yield;
    }
    this.seq = seq;
  }

  private runInBackground(step: Step): undefined {
    this.work = step;
    const slice = () => {
      const until = performance.now() + SLICE_MS;
      try {
        while (performance.now() < until)
          if (step.next().done) {
            this.work = undefined;
            return;
          }
      } catch (err) {
        // Searches keep their FTS5 answers; the next one starts again from scratch.
        logError("search: building the ranked index failed", { error: err });
        this.work = undefined;
        this.indexes = undefined;
        return;
      }
      setTimeout(slice, 0);
    };
    setTimeout(slice, 0);
    return undefined;
  }
}

function drain(step: Step): void {
  while (!step.next().done);
}
