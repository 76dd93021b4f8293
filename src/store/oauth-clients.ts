import type { Database } from "bun:sqlite";

/**
 * OAuth clients quiver knows: registered through RFC 7591 (`dcr`, id generated here) or
 * fetched from their Client ID Metadata Document (`cimd`, id = the document's URL; the
 * row is a cache, fresh until `fresh_until`). Registration is open to anyone, so the
 * table is bounded: past MAX_CLIENTS the oldest clients without a live grant go.
 */
export const MAX_CLIENTS = 1_000;

export interface OAuthClient {
  id: string;
  kind: "dcr" | "cimd";
  name: string;
  redirect_uris: string[];
  metadata: Record<string, unknown>;
  created_at: number;
  /** CIMD: the cached document is used until then, fetched again after. */
  fresh_until?: number;
}

interface ClientRow {
  id: string;
  kind: "dcr" | "cimd";
  name: string;
  redirect_uris: string;
  metadata: string;
  created_at: number;
  fresh_until: number | null;
}

export class ClientStore {
  constructor(private readonly db: Database) {}

  get(id: string): OAuthClient | undefined {
    const row = this.db
      .query("SELECT * FROM oauth_clients WHERE id = ?")
      .get(id) as ClientRow | null;
    if (!row) return undefined;
    return {
      id: row.id,
      kind: row.kind,
      name: row.name,
      redirect_uris: JSON.parse(row.redirect_uris),
      metadata: JSON.parse(row.metadata),
      created_at: row.created_at,
      ...(row.fresh_until !== null ? { fresh_until: row.fresh_until } : {}),
    };
  }

  /** Stores (or refreshes) a client. */
  put(client: OAuthClient): void {
    this.evict(client.id);
    this.db.run(
      `INSERT INTO oauth_clients (id, kind, name, redirect_uris, metadata, created_at, fresh_until)
       VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET name = excluded.name, redirect_uris = excluded.redirect_uris,
         metadata = excluded.metadata, fresh_until = excluded.fresh_until`,
      [
        client.id,
        client.kind,
        client.name,
        JSON.stringify(client.redirect_uris),
        JSON.stringify(client.metadata),
        client.created_at,
        client.fresh_until ?? null,
      ],
    );
  }

  private evict(incoming: string): void {
    const { n } = this.db.query("SELECT count(*) AS n FROM oauth_clients").get() as { n: number };
    if (n < MAX_CLIENTS) return;
    this.db.run(
      `DELETE FROM oauth_clients WHERE id IN (
         SELECT id FROM oauth_clients c WHERE id != ? AND NOT EXISTS (
           SELECT 1 FROM oauth_grants g WHERE g.client_id = c.id AND g.revoked_at IS NULL)
         ORDER BY created_at LIMIT +?)`,
      [incoming, n - MAX_CLIENTS + 1],
    );
  }
}
