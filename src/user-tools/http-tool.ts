/*
 * HTTP tools: an existing internal API under a tool's name. The URL's origin is fixed in
 * the config (placeholders only after it, each value URL-encoded); header values take
 * secrets from environment variables at start (`${VAR}`), never from the file itself;
 * parameters not used in the URL go as the query (GET, DELETE) or as a JSON body. The
 * response is capped; a status >= 400, a redirect or the timeout is a tool error.
 */

import { QuiverError } from "../errors.ts";
import type { AnyTool, ToolContext } from "../tools/define.ts";
import { capped } from "./command-tool.ts";
import { fill, type Piece, paramsOf, parseTemplate, valueText } from "./template.ts";

export interface HttpToolSpec {
  base: Omit<AnyTool, "run">;
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  url: string;
  /** Values already filled from the environment. */
  headers: Record<string, string>;
  timeoutMs?: number;
  maxResponseBytes: number;
}

const MAX_ERROR_BODY_CHARS = 1000;

export function httpTool(spec: HttpToolSpec, where: string): AnyTool {
  const url = parseTemplate(spec.url);
  const origin = fixedOrigin(spec.url, where);
  const params = new Set(Object.keys(spec.base.input.properties));
  const inUrl = new Set(paramsOf(url));
  for (const name of inUrl)
    if (!params.has(name))
      throw new Error(`${where}: url uses {${name}}, which is not a parameter in input`);
  return {
    ...spec.base,
    run: (values, ctx) =>
      callHttp(spec, url, origin, inUrl, values as Record<string, unknown>, ctx),
  };
}

/** The origin must not depend on a parameter: `{host}` in the URL would let a caller pick the server. */
function fixedOrigin(template: string, where: string): string {
  const brace = template.indexOf("{");
  const head = brace < 0 ? template : template.slice(0, brace);
  let parsed: URL;
  try {
    parsed = new URL(template.replace(/\{[^}]*\}/g, "x"));
  } catch {
    throw new Error(`${where}: url ${JSON.stringify(template)} is not a URL`);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:")
    throw new Error(`${where}: url must be http:// or https://`);
  if (brace >= 0 && !head.startsWith(`${parsed.origin}/`))
    throw new Error(
      `${where}: placeholders may only follow the URL's host and port (${parsed.origin}/...)`,
    );
  return parsed.origin;
}

async function callHttp(
  spec: HttpToolSpec,
  url: Piece[],
  origin: string,
  inUrl: Set<string>,
  values: Record<string, unknown>,
  ctx: ToolContext,
) {
  let target: URL;
  const rest: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(values)) if (!inUrl.has(k)) rest[k] = v;
  try {
    target = new URL(fill(url, values, encodeURIComponent));
    if (spec.method === "GET" || spec.method === "DELETE")
      for (const [k, v] of Object.entries(rest)) {
        const text = valueText(v, k);
        if (text !== undefined) target.searchParams.append(k, text);
      }
  } catch (err) {
    throw new QuiverError(400, "invalid_parameters", (err as Error).message);
  }
  if (target.origin !== origin)
    throw new QuiverError(400, "invalid_parameters", "parameters change the URL's host");
  const withBody = spec.method !== "GET" && spec.method !== "DELETE";
  const signals = [ctx.signal, ...(spec.timeoutMs ? [AbortSignal.timeout(spec.timeoutMs)] : [])];
  let res: Response;
  try {
    res = await fetch(target, {
      method: spec.method,
      headers: { ...spec.headers, ...(withBody ? { "content-type": "application/json" } : {}) },
      body: withBody ? JSON.stringify(rest) : undefined,
      redirect: "manual",
      signal: AbortSignal.any(signals),
    });
  } catch (err) {
    if (ctx.signal.aborted) throw ctx.signal.reason;
    if ((err as Error).name === "TimeoutError")
      throw new QuiverError(
        504,
        "tool_timeout",
        `"${spec.base.name}": ${spec.method} ${origin} took longer than ${spec.timeoutMs! / 1000}s`,
      );
    throw new QuiverError(
      422,
      "tool_error",
      `"${spec.base.name}": ${spec.method} ${origin} failed: ${(err as Error).message}`,
    );
  }
  const body = await capped(res.body ?? new Response("").body!, spec.maxResponseBytes, () => {});
  if (body.truncated)
    throw new QuiverError(
      422,
      "tool_error",
      `"${spec.base.name}": the response is larger than ${spec.maxResponseBytes} bytes`,
    );
  if (res.status >= 300)
    throw new QuiverError(
      422,
      "tool_error",
      `"${spec.base.name}": ${spec.method} ${target.origin}${target.pathname} answered ${res.status}: ${body.text.slice(0, MAX_ERROR_BODY_CHARS)}`,
    );
  if ((res.headers.get("content-type") ?? "").includes("json")) {
    try {
      return JSON.parse(body.text);
    } catch {
      throw new QuiverError(
        422,
        "tool_error",
        `"${spec.base.name}": the response is not the JSON it says it is`,
      );
    }
  }
  return { status: res.status, content_type: res.headers.get("content-type"), text: body.text };
}
