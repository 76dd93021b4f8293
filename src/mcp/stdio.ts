import { logError } from "../log.ts";
import type { Caller } from "../store/tokens.ts";
import type { Services } from "../tools/define.ts";
import {
  errorResponse,
  INVALID_REQUEST,
  isObject,
  isRequestId,
  type JsonRpcResponse,
  PARSE_ERROR,
  type RequestId,
  RpcError,
} from "./jsonrpc.ts";
import { handleMessage } from "./protocol.ts";
import { boundedLines } from "./stdio-lines.ts";
import { stdioSession } from "./subscriptions.ts";

/** Local trust: the caller is whoever started the process (an admin). */
export const LOCAL_CALLER: Caller = { id: "local", name: "stdio", scope: "admin" };

export interface StdioOptions {
  input: ReadableStream<Uint8Array>;
  write: (line: string) => void;
  caller?: Caller;
  /** Longest message accepted, in bytes (default: the config's body limit, as over HTTP). */
  maxLineBytes?: number;
  /** After input ends, how long requests in flight may take before they are cancelled. */
  drainMs?: number;
}

/**
 * MCP over stdio: newline-delimited JSON-RPC on the given streams. Nothing but protocol
 * goes to `output` (logs use stderr). Requests run concurrently and are answered as
 * they finish; `notifications/cancelled` aborts the named one. Resolves when input
 * ends and the requests in flight have been answered (or, past `drainMs`, cancelled).
 */
export async function serveStdio(services: Services, opts: StdioOptions): Promise<void> {
  const caller = opts.caller ?? LOCAL_CALLER;
  const inFlight = new Map<RequestId, AbortController>();
  /** Open `subscriptions/listen` requests: they last until cancelled, so input's end ends them. */
  const listens = new Set<AbortController>();
  const session = stdioSession();
  const pending = new Set<Promise<void>>();
  const send = (message: unknown) => opts.write(`${JSON.stringify(message)}\n`);

  const onLine = (line: string) => {
    if (line.trim() === "") return;
    let body: unknown;
    try {
      body = JSON.parse(line);
    } catch {
      send(
        errorResponse(
          null,
          new RpcError(PARSE_ERROR, "not valid JSON: send one JSON-RPC message per line"),
        ),
      );
      return;
    }
    if (isObject(body) && body.method === "notifications/cancelled" && isObject(body.params)) {
      const id = body.params.requestId;
      if (isRequestId(id)) inFlight.get(id)?.abort();
      return;
    }
    const id =
      isObject(body) && typeof body.method === "string" && isRequestId(body.id)
        ? body.id
        : undefined;
    const controller = new AbortController();
    if (id !== undefined) inFlight.set(id, controller);
    const listening = id !== undefined && isObject(body) && body.method === "subscriptions/listen";
    if (listening) listens.add(controller);
    const work = handleMessage(
      body,
      { caller, signal: controller.signal, notify: send, session },
      services,
    )
      .then((response: JsonRpcResponse | undefined) => {
        // A cancelled request gets no response (spec); anything else is answered.
        if (response && !controller.signal.aborted) send(response);
      })
      .catch((err) => logError("stdio request failed", { error: err }))
      .finally(() => {
        if (id !== undefined && inFlight.get(id) === controller) inFlight.delete(id);
        listens.delete(controller);
        pending.delete(work);
      });
    pending.add(work);
  };

  const maxBytes = opts.maxLineBytes ?? services.config.maxBodyBytes;
  for await (const line of boundedLines(
    opts.input as unknown as AsyncIterable<Uint8Array>,
    maxBytes,
  )) {
    if ("text" in line) onLine(line.text);
    else
      send(
        errorResponse(
          null,
          new RpcError(
            INVALID_REQUEST,
            `message is ${line.tooLong} bytes; the limit is ${maxBytes} (set QUIVER_MAX_BODY to change it)`,
          ),
        ),
      );
  }
  // Input is over: nobody hears notifications any more; give requests in flight a moment
  // to answer, then cancel the rest so the process exits promptly (the client has stopped
  // talking to us).
  session.close();
  for (const controller of listens) controller.abort();
  const deadline = Bun.sleep(opts.drainMs ?? 2000).then(() => "late" as const);
  while (pending.size > 0) {
    if ((await Promise.race([Promise.all([...pending]), deadline])) === "late") {
      for (const controller of inFlight.values()) controller.abort();
      break;
    }
  }
}
