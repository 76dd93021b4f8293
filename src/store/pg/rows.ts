/**
 * Bun.sql hands PostgreSQL's bigint (int8) back as a string, to lose no digits; quiver's
 * bigints are milliseconds, sizes and row ids, all far below 2^53.
 */
export function num(v: unknown): number {
  return typeof v === "number" ? v : Number(v);
}

export function numOrNull(v: unknown): number | null {
  return v === null || v === undefined ? null : num(v);
}

/** SQLSTATE 23505: a unique index refused the row. */
export function isUniqueViolation(err: unknown): boolean {
  const e = err as { errno?: string; code?: string };
  return e?.errno === "23505" || e?.code === "23505";
}
