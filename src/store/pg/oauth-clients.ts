import type { SQL } from "bun";
import type { ConsentSecret, OAuthClients } from "../interfaces/oauth.ts";
import { MAX_CLIENTS, type OAuthClient } from "../oauth-clients.ts";
import { num, numOrNull } from "./rows.ts";

/** OAuth clients in PostgreSQL, bounded as in SQLite (oauth-clients.ts). */
export class PgClientStore implements OAuthClients {
  constructor(private readonly sql: SQL) {}

  async get(id: string): Promise<OAuthClient | undefined> {
    const [row] = await this.sql`SELECT * FROM oauth_clients WHERE id = ${id}`;
    if (!row) return undefined;
    const fresh = numOrNull(row.fresh_until);
    return {
      id: row.id,
      kind: row.kind,
      name: row.name,
      redirect_uris: JSON.parse(row.redirect_uris),
      metadata: JSON.parse(row.metadata),
      created_at: num(row.created_at),
      ...(fresh !== null ? { fresh_until: fresh } : {}),
    };
  }

  async put(client: OAuthClient): Promise<void> {
    const [{ n }] = await this.sql`SELECT count(*) AS n FROM oauth_clients`;
    const count = num(n);
    if (count >= MAX_CLIENTS)
      await this.sql`DELETE FROM oauth_clients WHERE id IN (
        SELECT id FROM oauth_clients c WHERE id != ${client.id} AND NOT EXISTS (
          SELECT 1 FROM oauth_grants g WHERE g.client_id = c.id AND g.revoked_at IS NULL)
        ORDER BY created_at LIMIT ${count - MAX_CLIENTS + 1})`;
    await this
      .sql`INSERT INTO oauth_clients (id, kind, name, redirect_uris, metadata, created_at, fresh_until)
      VALUES (${client.id}, ${client.kind}, ${client.name}, ${JSON.stringify(client.redirect_uris)},
        ${JSON.stringify(client.metadata)}, ${client.created_at}, ${client.fresh_until ?? null})
      ON CONFLICT (id) DO UPDATE SET name = excluded.name, redirect_uris = excluded.redirect_uris,
        metadata = excluded.metadata, fresh_until = excluded.fresh_until`;
  }
}

/** The consent password (an argon2id hash) in PostgreSQL (oauth-settings.ts). */
export class PgConsentPassword implements ConsentSecret {
  constructor(private readonly sql: SQL) {}

  async set(password: string): Promise<void> {
    const hash = await Bun.password.hash(password, { algorithm: "argon2id" });
    await this.sql`INSERT INTO oauth_settings (key, value) VALUES ('consent_password', ${hash})
      ON CONFLICT (key) DO UPDATE SET value = excluded.value`;
  }

  async clear(): Promise<boolean> {
    return (await this.sql`DELETE FROM oauth_settings WHERE key = 'consent_password'`).count > 0;
  }

  async isSet(): Promise<boolean> {
    return (await this.hash()) !== undefined;
  }

  async verify(password: string): Promise<boolean> {
    const hash = await this.hash();
    if (!hash || password.length === 0) return false;
    return await Bun.password.verify(password, hash);
  }

  private async hash(): Promise<string | undefined> {
    const [row] = await this.sql`SELECT value FROM oauth_settings WHERE key = 'consent_password'`;
    return row?.value;
  }
}
