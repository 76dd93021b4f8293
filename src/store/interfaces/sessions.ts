import type { Awaitable } from "../awaitable.ts";
import type { SessionRow } from "../sessions.ts";

/** The web console's browser sessions (SQLite: sessions.ts; PostgreSQL). */
export interface Sessions {
  create(idHash: string, tokenRef: string, now?: number): Awaitable<SessionRow>;
  find(idHash: string, now?: number): Awaitable<SessionRow | undefined>;
  end(idHash: string): Awaitable<void>;
  endAllFor(tokenRef: string): Awaitable<number>;
  count(): Awaitable<number>;
}
