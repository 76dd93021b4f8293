import { Elysia } from "elysia";
import { badRequest } from "../errors.ts";
import type { OpenServices } from "../services.ts";
import type { Caller, Scope } from "../store/tokens.ts";
import { callTool, mayCall, type ToolCall } from "../tools/pipeline.ts";
import type { ToolRegistry } from "../tools/registry.ts";
import type { AuthPlugin } from "./auth.ts";
import { readJsonBody } from "./body.ts";
import { requestInfo } from "./request-info.ts";
import { presetHeaders } from "./response-headers.ts";

/**
 * `GET /tools` (Claude definitions), `POST /tools/call` (the seed's dispatcher) and
 * `POST /tools/<name>` (typed route). Both POST routes translate the request into a tool
 * call for the pipeline and answer the tool's result object as JSON. Every caller may
 * reach them (scope "read"); the pipeline checks the tool's own scope.
 */
export function toolRoutes(services: OpenServices, auth: AuthPlugin) {
  const { config } = services;
  // Each caller sees the tools its token may call; one list per scope, made once per
  // registry (a user-tools reload swaps in a new one).
  const listings = new WeakMap<ToolRegistry, Map<Scope, { tools: unknown[] }>>();
  const definitionsFor = (caller: Caller) => {
    let byScope = listings.get(services.tools);
    if (!byScope) listings.set(services.tools, (byScope = new Map()));
    let listed = byScope.get(caller.scope);
    if (!listed) {
      const { tools, claudeDefinitions } = services.tools;
      listed = { tools: claudeDefinitions.filter((_, i) => mayCall(caller, tools[i]!)) };
      byScope.set(caller.scope, listed);
    }
    return listed;
  };

  const run = (
    request: Request,
    headers: ResponseHeaders,
    caller: Caller,
    call: Pick<ToolCall, "name" | "params" | "readParams">,
  ) =>
    callTool(services, {
      ...call,
      caller,
      // Reading `request.signal` makes Bun set up abort tracking for the connection (about
      // 3% of a small call), so it is read only when the tool reads its own signal.
      clientSignal: () => request.signal,
      onTool: (tool) => {
        requestInfo(request).tool = tool.name;
      },
    }).then((value) => asJson(value, headers));

  return new Elysia({ name: "quiver/tools" })
    .use(auth)
    .get(
      "/tools",
      ({ request, caller, set }) => {
        presetHeaders(request, set.headers);
        return definitionsFor(caller);
      },
      { auth: "read" },
    )
    .post(
      "/tools/call",
      async ({ request, caller, set }) => {
        presetHeaders(request, set.headers);
        const body = await readJsonBody(request, config.maxBodyBytes);
        if (!body || typeof body !== "object" || Array.isArray(body))
          throw badRequest(
            "invalid_request",
            'body must be a JSON object: {"name": "<tool>", "parameters": {...}}',
          );
        const { name, parameters } = body as { name?: unknown; parameters?: unknown };
        // MCP's `arguments` and a tool_use block's `input` are the two likely mix-ups
        // (looked for only when `parameters` is missing: this route runs for every call).
        const misnamed =
          parameters === undefined ? ["arguments", "input"].find((k) => k in body) : undefined;
        if (misnamed)
          throw badRequest(
            "invalid_request",
            `body.${misnamed}: /tools/call takes the tool's parameters as "parameters": {"name": "<tool>", "parameters": {...}}`,
          );
        if (typeof name !== "string")
          throw badRequest(
            "invalid_request",
            'body.name must be the tool name, e.g. {"name": "read_file", "parameters": {"path": "notes.md"}}',
          );
        return run(request, set.headers, caller, { name, params: parameters });
      },
      { auth: "read", parse: "none" },
    )
    .post(
      "/tools/:name",
      ({ request, caller, params, set }) => {
        presetHeaders(request, set.headers);
        // The body is read only once the tool exists and the caller may call it.
        return run(request, set.headers, caller, {
          name: params.name,
          readParams: () => readJsonBody(request, config.maxBodyBytes),
        });
      },
      { auth: "read", parse: "none" },
    );
}

type ResponseHeaders = Record<string, string | number>;

/**
 * The result as a JSON body whatever its type. Built-in tools return objects, which Elysia
 * sends as JSON; a user tool may return a string, a number or null (an HTTP tool passes on
 * what its API answered), which Elysia would send as text/plain or as an empty body.
 */
function asJson(value: unknown, headers: ResponseHeaders): unknown {
  if (typeof value === "object" && value !== null) return value;
  headers["content-type"] = "application/json";
  return JSON.stringify(value ?? null);
}
