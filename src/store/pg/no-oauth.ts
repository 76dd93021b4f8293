import { notFound, QuiverError } from "../../errors.ts";
import type { OAuthStores } from "../interfaces/oauth.ts";

const unavailable = () =>
  new QuiverError(
    404,
    "oauth_disabled",
    "OAuth is off: it is not available on PostgreSQL yet (run on SQLite, without --database, to use it)",
  );

/**
 * OAuth on PostgreSQL is not there yet, so a server on PostgreSQL refuses --public-url at
 * start (services.ts): with OAuth off, no client, code or grant can exist, and these
 * stores say so — listing none, finding none, refusing to make any.
 */
export const noOAuth: OAuthStores = {
  clients: {
    get: () => undefined,
    put: () => {
      throw unavailable();
    },
  },
  codes: {
    issue: () => {
      throw unavailable();
    },
    redeem: () => ({ refused: "unknown" }),
  },
  grants: {
    refresh: () => ({ refused: "unknown" }),
    list: () => [],
    revoke: (grantId: string) => {
      throw notFound("grant_not_found", `no grant with id "${grantId}" (OAuth is off)`);
    },
    revokeByToken: () => {},
  },
  password: {
    set: async () => {
      throw unavailable();
    },
    clear: () => false,
    isSet: () => false,
    verify: async () => false,
  },
};
