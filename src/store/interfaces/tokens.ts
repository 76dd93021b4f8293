import type { Awaitable } from "../awaitable.ts";
import type { Caller, Scope, TokenInfo, TokenProblem } from "../tokens.ts";

/** Bearer tokens, stored as digests (SQLite: tokens.ts; PostgreSQL). */
export interface Tokens {
  /** The caller a presented secret belongs to, or why it is refused. */
  check(secret: string, now?: number): Awaitable<{ caller: Caller } | { problem: TokenProblem }>;
  /** What a console session remembers of its caller (never the secret). */
  refOf(caller: Caller): string;
  callerByRef(ref: string): Awaitable<Caller | undefined>;
  create(name: string, scope: Scope): Awaitable<{ info: TokenInfo; secret: string }>;
  list(): Awaitable<TokenInfo[]>;
  revoke(idOrName: string): Awaitable<TokenInfo>;
  hasActiveAdmin(): Awaitable<boolean>;
}
