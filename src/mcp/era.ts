import {
  HEADER_MISMATCH,
  INVALID_PARAMS,
  isObject,
  type JsonRpcRequest,
  RpcError,
  UNSUPPORTED_PROTOCOL_VERSION,
} from "./jsonrpc.ts";
import {
  isModernVersion,
  isSupportedLegacy,
  isSupportedModern,
  META,
  SUPPORTED_VERSIONS,
} from "./versions.ts";

/**
 * Which protocol era a request belongs to. The body decides (2026-07-28 requests carry
 * their version in `params._meta`); on HTTP the headers must agree with it. Errors
 * here happen before dispatch, so they carry HTTP 400.
 */
export type Era = { era: "modern"; version: string } | { era: "legacy"; version?: string };

const edge = (code: number, message: string, data?: unknown) =>
  new RpcError(code, message, data, 400);

export function unsupportedVersion(requested: string): RpcError {
  return edge(
    UNSUPPORTED_PROTOCOL_VERSION,
    `protocol version ${JSON.stringify(requested)} is not supported; supported: ${SUPPORTED_VERSIONS.join(", ")}`,
    {
      supported: SUPPORTED_VERSIONS,
      requested,
    },
  );
}

/** Body-only classification (stdio, and the first half of HTTP's). */
export function classifyEra(message: JsonRpcRequest): Era {
  const meta = message.params?._meta;
  const version = isObject(meta) ? meta[META.protocolVersion] : undefined;
  if (version === undefined) return { era: "legacy" };
  if (typeof version !== "string")
    throw edge(
      INVALID_PARAMS,
      `_meta["${META.protocolVersion}"] must be a protocol version string`,
    );
  if (!isSupportedModern(version)) throw unsupportedVersion(version);
  const envelope = meta as Record<string, unknown>;
  if (!isObject(envelope[META.clientCapabilities]))
    throw edge(
      INVALID_PARAMS,
      `invalid _meta envelope for ${version}: "${META.clientCapabilities}" must be an object (send {} when the client has none)`,
    );
  const info = envelope[META.clientInfo];
  if (
    info !== undefined &&
    !(isObject(info) && typeof info.name === "string" && typeof info.version === "string")
  )
    throw edge(
      INVALID_PARAMS,
      `invalid _meta envelope for ${version}: "${META.clientInfo}" must be {name, version}`,
    );
  return { era: "modern", version };
}

/** What classification reads of the request headers (a `Headers`, or a lookup over a plain record). */
export type HeaderLookup = Pick<Headers, "get">;

/** The body field `Mcp-Name` mirrors, per method (of the methods quiver serves). */
const NAME_SOURCE: Record<string, string> = { "tools/call": "name", "resources/read": "uri" };

/**
 * HTTP classification: the body's era, cross-checked with `MCP-Protocol-Version`,
 * `Mcp-Method` and `Mcp-Name`. A disagreement is -32020 (header mismatch), an unknown
 * version -32022 with the supported list; both 400.
 */
export function classifyHttp(message: JsonRpcRequest, headers: HeaderLookup): Era {
  const headerVersion = headers.get("mcp-protocol-version");
  const meta = message.params?._meta;
  const bodyVersion = isObject(meta) ? meta[META.protocolVersion] : undefined;
  if (headerVersion !== null && bodyVersion !== undefined && headerVersion !== bodyVersion)
    throw edge(
      HEADER_MISMATCH,
      `MCP-Protocol-Version header (${headerVersion}) does not match _meta["${META.protocolVersion}"] (${String(bodyVersion)})`,
    );
  const method = headers.get("mcp-method");
  if (method !== null && method !== message.method)
    throw edge(
      HEADER_MISMATCH,
      `Mcp-Method header (${method}) does not match the body's method (${message.method})`,
    );

  const era = classifyEra(message);
  if (era.era === "legacy") {
    if (headerVersion === null) return era;
    if (isModernVersion(headerVersion)) {
      if (!isSupportedModern(headerVersion)) throw unsupportedVersion(headerVersion);
      throw edge(
        INVALID_PARAMS,
        `MCP-Protocol-Version is ${headerVersion} but the request has no _meta envelope ("${META.protocolVersion}", "${META.clientCapabilities}")`,
      );
    }
    if (!isSupportedLegacy(headerVersion)) throw unsupportedVersion(headerVersion);
    return { era: "legacy", version: headerVersion };
  }

  if (headerVersion === null)
    throw edge(
      HEADER_MISMATCH,
      `missing MCP-Protocol-Version header (required with protocol version ${era.version})`,
    );
  if (method === null)
    throw edge(
      HEADER_MISMATCH,
      `missing Mcp-Method header (required with protocol version ${era.version})`,
    );
  const field = NAME_SOURCE[message.method];
  const expected = field ? message.params?.[field] : undefined;
  if (typeof expected === "string") {
    const name = headers.get("mcp-name");
    if (name === null)
      throw edge(HEADER_MISMATCH, `missing Mcp-Name header (required for ${message.method})`);
    if (decodeHeaderValue(name) !== expected)
      throw edge(HEADER_MISMATCH, `Mcp-Name header does not match params.${field}`);
  }
  return era;
}

const SENTINEL = /^=\?base64\?([A-Za-z0-9+/]*={0,2})\?=$/;

/** Header values that are not plain ASCII travel as `=?base64?<utf-8 base64>?=`. */
export function decodeHeaderValue(value: string): string | undefined {
  if (!value.startsWith("=?base64?")) return value; // plain ASCII, the usual case
  const m = SENTINEL.exec(value);
  if (!m) return undefined;
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(Buffer.from(m[1]!, "base64"));
  } catch {
    return undefined;
  }
}
