import type { SQL } from "bun";
import { logError } from "../../log.ts";
import type { FileChange } from "../files.ts";

/** The NOTIFY channel of file changes (jobs.ts has its own). */
const CHANNEL = "quiver_file_changes";
/** PostgreSQL refuses NOTIFY payloads of 8000 bytes or more; keep clear of it. */
export const MAX_PAYLOAD_BYTES = 7800;
/** Changes waiting to be sent at most; past it the oldest are dropped (and logged). */
const MAX_PENDING = 10_000;

/** On the wire: the sending process, and its changes as [w|d, path]. */
interface Payload {
  o: string;
  c: ["w" | "d", string][];
}

/**
 * File changes shared by every replica on one database: each process NOTIFYs its own
 * (after they commit, batched into payloads under MAX_PAYLOAD_BYTES) and LISTENs for the
 * others', which it hands to `onRemote` — so an MCP client subscribed on replica A hears of
 * a file written through replica B. Best effort, as notifications are: a process that
 * dies between its commit and its NOTIFY leaves that change unannounced.
 */
export class PgChangeRelay {
  readonly origin = crypto.randomUUID();
  #pending: FileChange[] = [];
  #flushing?: Promise<void>;
  #dropped = 0;
  #subscription?: { unlisten(): Promise<void> };

  constructor(private readonly sql: SQL) {}

  /** Resolves once the server listens for us: changes committed from then on are heard. */
  async listen(onRemote: (change: FileChange) => void): Promise<void> {
    this.#subscription = await this.sql.listen(CHANNEL, (payload) => {
      for (const change of this.parse(payload)) onRemote(change);
    });
  }

  /** Queues a change this process made, to be announced to the others. */
  publish(change: FileChange): void {
    if (this.#pending.length >= MAX_PENDING) {
      this.#pending.shift();
      this.#dropped++;
    }
    this.#pending.push(change);
    this.#flushing ??= Promise.resolve().then(() => this.flush());
  }

  /** What is queued, sent; then stops listening. */
  async close(): Promise<void> {
    await this.#flushing;
    await this.#subscription?.unlisten().catch(() => {});
  }

  private async flush(): Promise<void> {
    try {
      while (this.#pending.length > 0) {
        if (this.#dropped > 0) {
          logError("file changes dropped before they could be announced to other replicas", {
            dropped: this.#dropped,
          });
          this.#dropped = 0;
        }
        await this.sql.notify(CHANNEL, this.nextPayload());
      }
    } catch (err) {
      logError("could not announce file changes to other replicas", { error: err });
      this.#pending = [];
    } finally {
      this.#flushing = undefined;
    }
  }

  /** Takes as many queued changes as fit in one payload (at least one). */
  private nextPayload(): string {
    const head = `{"o":${JSON.stringify(this.origin)},"c":[`;
    let body = "";
    let bytes = head.length + 2;
    let taken = 0;
    for (const c of this.#pending) {
      const entry = JSON.stringify([c.change === "deleted" ? "d" : "w", c.path]);
      const size = Buffer.byteLength(entry) + 1;
      // Paths are at most 1024 bytes (paths.ts): one entry always fits.
      if (taken > 0 && bytes + size > MAX_PAYLOAD_BYTES) break;
      body += (taken > 0 ? "," : "") + entry;
      bytes += size;
      taken++;
    }
    this.#pending.splice(0, taken);
    return `${head}${body}]}`;
  }

  /** A payload's changes, unless it is our own; anything not shaped like one is ignored. */
  private parse(payload: string): FileChange[] {
    let p: Partial<Payload>;
    try {
      p = JSON.parse(payload);
    } catch {
      return [];
    }
    if (p.o === this.origin || !Array.isArray(p.c)) return [];
    const out: FileChange[] = [];
    for (const e of p.c) {
      if (!Array.isArray(e) || typeof e[1] !== "string" || (e[0] !== "w" && e[0] !== "d")) continue;
      out.push({ kind: "file", path: e[1], change: e[0] === "d" ? "deleted" : "written" });
    }
    return out;
  }
}
