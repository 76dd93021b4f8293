import type { Database } from "bun:sqlite";

/**
 * The consent password: the operator signs in on the OAuth consent page with it (or with
 * an admin token). Stored as an argon2id hash (Bun.password), never in clear.
 */
export class ConsentPassword {
  constructor(private readonly db: Database) {}

  async set(password: string): Promise<void> {
    const hash = await Bun.password.hash(password, { algorithm: "argon2id" });
    this.db.run(
      "INSERT INTO oauth_settings (key, value) VALUES ('consent_password', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
      [hash],
    );
  }

  clear(): boolean {
    return this.db.run("DELETE FROM oauth_settings WHERE key = 'consent_password'").changes > 0;
  }

  isSet(): boolean {
    return this.hash() !== undefined;
  }

  /** Bun.password.verify compares in constant time. */
  async verify(password: string): Promise<boolean> {
    const hash = this.hash();
    if (!hash || password.length === 0) return false;
    return await Bun.password.verify(password, hash);
  }

  private hash(): string | undefined {
    const row = this.db
      .query("SELECT value FROM oauth_settings WHERE key = 'consent_password'")
      .get() as { value: string } | null;
    return row?.value;
  }
}
