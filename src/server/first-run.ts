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
export function ensureAdminToken(
  services: OpenServices,
  port = services.config.port,
): string | undefined {
  const { config, tokens } = services;
  if (config.staticToken || tokens.hasActiveAdmin()) return undefined;
  const { secret } = tokens.create("admin", "admin");
  const file = join(config.dataDir, "admin.token");
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  stderrSink.write(
    `\nquiver: first start — created an admin token (shown once, also saved to ${file}):\n\n` +
      `  admin token: ${secret}\n\n` +
      `  curl -H "Authorization: Bearer ${secret}" http://${reachableHost(config.host)}:${port}/tools\n\n`,
  );
  return secret;
}
