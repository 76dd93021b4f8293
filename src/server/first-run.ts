import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { stderrSink } from "../log-sink.ts";
import type { OpenServices } from "../services.ts";

/** A wildcard bind address is not something to type into curl; loopback reaches it. */
function reachableHost(host: string): string {
  if (host === "0.0.0.0" || host === "::" || host === "[::]") return "127.0.0.1";
  return host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
}

/**
 * First start without QUIVER_TOKEN and without any admin token: make one, store only its
 * hash, print it once, and leave it in `<data>/admin.token` (mode 0600) for whoever can
 * read the data directory (e.g. `docker exec … cat /data/admin.token`).
 */
export async function ensureAdminToken(
  services: OpenServices,
  port = services.config.port,
): Promise<string | undefined> {
  const { config, tokens } = services;
  if (config.staticToken || (await tokens.hasActiveAdmin())) return undefined;
  if (services.readOnly) {
    stderrSink.write(
      "quiver: no admin token exists and a read-only data directory cannot store one; set QUIVER_TOKEN to administer this server\n",
    );
    return undefined;
  }
  const { secret } = await tokens.create(await freeName(tokens), "admin");
  const file = join(config.dataDir, "admin.token");
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  stderrSink.write(
    `\nquiver: first start — created an admin token (shown once, also saved to ${file}):\n\n` +
      `  admin token: ${secret}\n\n` +
      `  curl -H "Authorization: Bearer ${secret}" http://${reachableHost(config.host)}:${port}/tools\n\n`,
  );
  return secret;
}

/** "admin", unless an active token already has that name (token names are unique). */
async function freeName(tokens: OpenServices["tokens"]): Promise<string> {
  const taken = new Set((await tokens.list()).filter((t) => !t.revoked).map((t) => t.name));
  let name = "admin";
  for (let n = 2; taken.has(name); n++) name = `admin-${n}`;
  return name;
}
