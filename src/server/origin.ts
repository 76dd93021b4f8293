import { isLoopback } from "../config.ts";
import { QuiverError } from "../errors.ts";

/** The bind address, and the extra origins the operator allowed (--allow-origin). */
export interface OriginPolicy {
  host: string;
  allowedOrigins: string[];
  /** The host of --public-url: a proxy in front forwards it as the Host header. */
  publicHost?: string;
}

/** A policy with what every request would otherwise work out again. */
export interface CheckedPolicy extends OriginPolicy {
  /** Bound to loopback. */
  local: boolean;
  /** Host header values already found acceptable (clients send the same one every time). */
  goodHosts: Set<string>;
}

export function originPolicy(policy: OriginPolicy): CheckedPolicy {
  return { ...policy, local: isLoopback(policy.host), goodHosts: new Set() };
}

/**
 * DNS-rebinding defence for /mcp (the MCP spec's MUST): a browser page on a foreign
 * origin must not reach a local server through a hostname that resolves to 127.0.0.1.
 * - no Origin (curl, SDK clients, Claude Code): allowed — not a browser;
 * - Origin of the server itself (same host as the Host header), a loopback Origin when
 *   the server is bound to loopback, or one listed in config.allowedOrigins: allowed;
 * - anything else, including `Origin: null`: 403.
 * When bound to loopback, a Host header naming anything but a loopback name is refused:
 * that is exactly what a rebinding attack sends.
 */
export function checkOriginAndHost(headers: Headers, policy: CheckedPolicy): void {
  const { local } = policy;
  const hostHeader = headers.get("host") ?? undefined;
  if (local && hostHeader !== undefined && !policy.goodHosts.has(hostHeader)) {
    if (!isLoopback(hostnameOf(hostHeader)) && hostHeader.toLowerCase() !== policy.publicHost)
      throw new QuiverError(
        403,
        "forbidden_host",
        `this server is bound to ${policy.host} and answers only loopback Host names, not "${hostHeader}"`,
      );
    // Bounded: a client cycling through Host spellings only ever costs the check.
    if (policy.goodHosts.size < 64) policy.goodHosts.add(hostHeader);
  }
  const origin = headers.get("origin");
  if (origin === null) return;
  if (policy.allowedOrigins.includes(origin)) return;
  let url: URL | undefined;
  try {
    url = origin === "null" ? undefined : new URL(origin);
  } catch {
    url = undefined;
  }
  if (url && (url.protocol === "http:" || url.protocol === "https:")) {
    if (hostHeader !== undefined && url.host === hostHeader.toLowerCase()) return;
    if (local && isLoopback(url.hostname)) return;
  }
  throw new QuiverError(
    403,
    "forbidden_origin",
    `requests from Origin ${JSON.stringify(origin)} are not allowed; start quiver with --allow-origin ${origin} to allow it`,
  );
}

/** "example.com:8080" → "example.com", "[::1]:8080" → "::1". */
export function hostnameOf(hostHeader: string): string {
  const h = hostHeader.trim().toLowerCase();
  if (h.startsWith("[")) return h.slice(1, h.indexOf("]"));
  const colon = h.indexOf(":");
  return colon === -1 ? h : h.slice(0, colon);
}
