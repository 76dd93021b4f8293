import { bearer } from "@elysiajs/bearer";
import { Elysia } from "elysia";
import { badRequest } from "../errors.ts";
import type { OpenServices } from "../services.ts";
import type { Caller } from "../store/tokens.ts";
import { callTool } from "../tools/call.ts";
import { claudeToolDefinitions, requireTool } from "../tools/registry.ts";
import { authenticate } from "./auth.ts";
import { readJsonBody } from "./body.ts";
import { requestInfo } from "./request-info.ts";
import { presetHeaders } from "./response-headers.ts";

/**
 * `GET /tools` (Claude definitions), `POST /tools/call` (the seed's dispatcher) and
 * `POST /tools/<name>` (typed route). Both POST routes answer the tool's result object
 * as JSON, and run through the same callTool as MCP does.
 */
export function toolRoutes(services: OpenServices) {
  const { tokens, config } = services;
  const definitions = { tools: claudeToolDefinitions() };

  // Authenticate before reading the body: a stranger cannot make us buffer 32 MiB.
  const who = (request: Request, extracted: string | undefined): Caller => {
    const caller = authenticate(request, tokens, "read", { extracted });
    requestInfo(request).token = caller.name;
    return caller;
  };

  const run = (request: Request, caller: Caller, name: unknown, params: unknown) => {
    const tool = requireTool(name);
    requestInfo(request).tool = tool.name;
    // The signal is a getter: reading `request.signal` makes Bun set up abort tracking for
    // the connection (about 3% of a small call), and no tool needs it unless it reads it.
    return callTool(tool, params, {
      ...services,
      caller,
      get signal() {
        return request.signal;
      },
    });
  };

  return new Elysia({ name: "quiver/tools" })
    .use(bearer())
    .get("/tools", ({ request, bearer, set }) => {
      who(request, bearer);
      presetHeaders(request, set.headers);
      return definitions;
    })
    .post(
      "/tools/call",
      async ({ request, bearer, set }) => {
        const caller = who(request, bearer);
        presetHeaders(request, set.headers);
        const body = await readJsonBody(request, config.maxBodyBytes);
        if (!body || typeof body !== "object" || Array.isArray(body))
          throw badRequest(
            "invalid_request",
            'body must be a JSON object: {"name": "<tool>", "parameters": {...}}',
          );
        const { name, parameters } = body as { name?: unknown; parameters?: unknown };
        // MCP's `arguments` and a tool_use block's `input` are the two likely mix-ups.
        const misnamed = ["arguments", "input"].find((k) => k in body);
        if (parameters === undefined && misnamed)
          throw badRequest(
            "invalid_request",
            `body.${misnamed}: /tools/call takes the tool's parameters as "parameters": {"name": "<tool>", "parameters": {...}}`,
          );
        if (typeof name !== "string")
          throw badRequest(
            "invalid_request",
            'body.name must be the tool name, e.g. {"name": "read_file", "parameters": {"path": "notes.md"}}',
          );
        return run(request, caller, name, parameters);
      },
      { parse: "none" },
    )
    .post(
      "/tools/:name",
      async ({ request, bearer, params, set }) => {
        const caller = who(request, bearer);
        presetHeaders(request, set.headers);
        requireTool(params.name); // 404 before reading a body for a tool that does not exist
        return run(request, caller, params.name, await readJsonBody(request, config.maxBodyBytes));
      },
      { parse: "none" },
    );
}
