import { loadConfig } from "../config.ts";
import { openServices } from "../services.ts";
import { SCOPES, type Scope } from "../store/tokens.ts";
import { dataOptions, parse, UsageError } from "./args.ts";

export const tokenHelp = `quiver token create --name NAME [--scope read|write|admin] [--data DIR]
quiver token list [--data DIR] [--json]
quiver token revoke ID|NAME|GRANT [--data DIR]
quiver token password [--clear] [--data DIR]

Tokens are stored as SHA-256 hashes: a secret is shown once, at creation. Names are
unique among active tokens (a revoked token's name can be given again).
The list also shows OAuth grants (clients connected through the consent page, e.g.
claude.ai): revoking a grant (grt_...) stops its access and refresh tokens at once.
password reads the OAuth consent page's password from stdin (one line; --clear removes it).`;

export async function token(argv: string[]): Promise<void> {
  const [action, ...rest] = argv;
  if (action === "create") {
    const { values } = parse(rest, {
      ...dataOptions,
      name: { type: "string", short: "n" },
      scope: { type: "string", short: "s" },
    });
    const name = values.name?.trim();
    if (!name) throw new UsageError("token create needs --name NAME");
    const scope = (values.scope ?? "read") as Scope;
    if (!SCOPES.includes(scope))
      throw new UsageError(`--scope must be one of ${SCOPES.join(", ")}`);
    const services = await openServices(loadConfig({ data: values.data }), { create: false });
    let created: Awaited<ReturnType<typeof services.tokens.create>>;
    try {
      created = await services.tokens.create(name, scope);
    } finally {
      await services.close();
    }
    const { info, secret } = created;
    process.stderr.write(
      `created token ${info.id} "${info.name}" (scope ${info.scope}); the secret is shown only now:\n`,
    );
    process.stdout.write(`${secret}\n`);
    return;
  }
  if (action === "list") {
    const { values } = parse(rest, { ...dataOptions, json: { type: "boolean" } });
    const services = await openServices(loadConfig({ data: values.data }), { create: false });
    let list: Awaited<ReturnType<typeof services.tokens.list>>;
    let grants: Awaited<ReturnType<typeof services.oauth.grants.list>>;
    try {
      list = await services.tokens.list();
      grants = await services.oauth.grants.list();
    } finally {
      await services.close();
    }
    if (values.json)
      return void process.stdout.write(
        `${JSON.stringify([...list, ...grants.map((g) => ({ kind: "oauth_grant", ...g }))], null, 2)}\n`,
      );
    const rows = [
      ["ID", "NAME", "SCOPE", "CREATED", "STATUS"],
      ...list.map((t) => [
        t.id,
        t.name,
        t.scope,
        t.created_at,
        t.revoked_at ? `revoked ${t.revoked_at}` : "active",
      ]),
    ];
    printTable(rows);
    if (grants.length === 0) return;
    process.stdout.write("\nOAuth grants (quiver token revoke GRANT ends one):\n");
    printTable([
      ["GRANT", "CLIENT", "SCOPE", "CREATED", "LAST USED", "STATUS"],
      ...grants.map((g) => [
        g.id,
        `${g.client_name} (${g.client_id})`,
        g.scope,
        g.created_at,
        g.last_used_at ?? "never",
        g.revoked_at ? `revoked ${g.revoked_at} (${g.revoked_why})` : "active",
      ]),
    ]);
    return;
  }
  if (action === "password") {
    const { values } = parse(rest, { ...dataOptions, clear: { type: "boolean" } });
    const services = await openServices(loadConfig({ data: values.data }), { create: false });
    try {
      if (values.clear) {
        const had = await services.oauth.password.clear();
        process.stdout.write(had ? "consent password removed\n" : "no consent password was set\n");
        return;
      }
      const password = (await Bun.stdin.text()).split("\n")[0]!.replace(/\r$/, "");
      if (password.length < 12 || password.length > 1_024)
        throw new UsageError("the consent password (one line on stdin) must be 12-1024 characters");
      await services.oauth.password.set(password);
      process.stdout.write("consent password set: sign in with it on the OAuth consent page\n");
    } finally {
      await services.close();
    }
    return;
  }
  if (action === "revoke") {
    const { values, positionals } = parse(rest, dataOptions, true);
    if (positionals.length !== 1)
      throw new UsageError(
        "token revoke needs exactly one token id or name (see quiver token list)",
      );
    const services = await openServices(loadConfig({ data: values.data }), { create: false });
    try {
      if (positionals[0]!.startsWith("grt_")) {
        const grant = await services.oauth.grants.revoke(positionals[0]!);
        process.stdout.write(`revoked OAuth grant ${grant.id} (${grant.client_name})\n`);
        return;
      }
      const info = await services.tokens.revoke(positionals[0]!);
      process.stdout.write(`revoked ${info.id} "${info.name}"\n`);
    } finally {
      await services.close();
    }
    return;
  }
  throw new UsageError(`token needs an action: create, list, revoke or password\n\n${tokenHelp}`);
}

function printTable(rows: string[][]): void {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const r of rows)
    process.stdout.write(
      `${r
        .map((c, i) => c.padEnd(widths[i]!))
        .join("  ")
        .trimEnd()}\n`,
    );
}
