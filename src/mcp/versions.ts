/*
 * The protocol revisions quiver speaks. quiver is "dual-era": the modern revision has no
 * handshake (every request carries its version in `params._meta`), the legacy ones
 * negotiate once in `initialize`. Revision names are ISO dates, so string comparison
 * orders them.
 */

export const MODERN_VERSIONS = ["2026-07-28"] as const;
export const LEGACY_VERSIONS = ["2025-11-25", "2025-06-18", "2025-03-26"] as const;
/** Every revision, newest first: what `server/discover` and version errors list. */
export const SUPPORTED_VERSIONS: readonly string[] = [...MODERN_VERSIONS, ...LEGACY_VERSIONS];

export const FIRST_MODERN_VERSION = "2026-07-28";

export function isModernVersion(version: string): boolean {
  return version >= FIRST_MODERN_VERSION;
}

export function isSupportedModern(version: string): boolean {
  return (MODERN_VERSIONS as readonly string[]).includes(version);
}

export function isSupportedLegacy(version: string): boolean {
  return (LEGACY_VERSIONS as readonly string[]).includes(version);
}

/** `initialize` negotiation: echo a version we speak, otherwise offer our newest legacy one. */
export function negotiateLegacy(requested: unknown): string {
  return typeof requested === "string" && isSupportedLegacy(requested)
    ? requested
    : LEGACY_VERSIONS[0];
}

/** Reserved `_meta` keys of the modern per-request envelope. */
export const META = {
  protocolVersion: "io.modelcontextprotocol/protocolVersion",
  clientInfo: "io.modelcontextprotocol/clientInfo",
  clientCapabilities: "io.modelcontextprotocol/clientCapabilities",
  serverInfo: "io.modelcontextprotocol/serverInfo",
} as const;
