import { loadConfig } from "../config.ts";
import { openServices } from "../services.ts";
import { SCOPES, type Scope } from "../store/tokens.ts";
import { dataOptions, parse, UsageError } from "./args.ts";

export const tokenHelp = `quiver token create --name NAME [--scope read|write|admin] [--data DIR]
quiver token list [--data DIR] [--json]
quiver token revoke ID|NAME [--data DIR]

Tokens are stored as SHA-256 hashes: a secret is shown once, at creation. Names are
unique among active tokens (a revoked token's name can be given again).`;

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
    const services = openServices(loadConfig({ data: values.data }), { create: false });
    let created: ReturnType<typeof services.tokens.create>;
    try {
      created = services.tokens.create(name, scope);
    } finally {
      services.close();
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
    const services = openServices(loadConfig({ data: values.data }), { create: false });
    const list = services.tokens.list();
    services.close();
    if (values.json) return void process.stdout.write(`${JSON.stringify(list, null, 2)}\n`);
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
    const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
    for (const r of rows)
      process.stdout.write(
        `${r
          .map((c, i) => c.padEnd(widths[i]!))
          .join("  ")
          .trimEnd()}\n`,
      );
    return;
  }
  if (action === "revoke") {
    const { values, positionals } = parse(rest, dataOptions, true);
    if (positionals.length !== 1)
      throw new UsageError(
        "token revoke needs exactly one token id or name (see quiver token list)",
      );
    const services = openServices(loadConfig({ data: values.data }), { create: false });
    try {
      const info = services.tokens.revoke(positionals[0]!);
      process.stdout.write(`revoked ${info.id} "${info.name}"\n`);
    } finally {
      services.close();
    }
    return;
  }
  throw new UsageError(`token needs an action: create, list or revoke\n\n${tokenHelp}`);
}
