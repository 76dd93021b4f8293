// The bench's PostgreSQL: the tests' throwaway cluster (test/support/postgres.ts).
import { PG_BIN } from "../../test/support/postgres.ts";

export { startPostgres } from "../../test/support/postgres.ts";

/** Why the PostgreSQL section cannot run here, or undefined when it can. */
export function requirePostgresForBench(): string | undefined {
  return PG_BIN ? undefined : "PostgreSQL is not installed (.ci/install-postgres.sh installs it)";
}
