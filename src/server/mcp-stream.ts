import type { HttpAnswer } from "../mcp/http.ts";
import type { JsonRpcNotification } from "../mcp/jsonrpc.ts";

const JSON_HEADERS = { "content-type": "application/json" };
const SSE_HEADERS = {
  "content-type": "text/event-stream",
  "cache-control": "no-cache",
  // Proxies (nginx) would otherwise hold events back (spec: Streamable HTTP).
  "x-accel-buffering": "no",
};
const encoder = new TextEncoder();
const KEEP_ALIVE = encoder.encode(":\n\n");

/**
 * An answer as JSON (or, for a notification, an empty 202). `common` are the headers every
 * response carries (response-headers.ts), given here because adding them to the finished
 * Response costs several percent of a small call; the record is the response's from then
 * on (its content type is added to it rather than copied into a new one).
 */
export function jsonAnswer(answer: HttpAnswer, common?: Record<string, string>): Response {
  if (!answer.message) return new Response(null, { status: answer.status, headers: common });
  let headers: Record<string, string> = JSON_HEADERS;
  if (common) {
    common["content-type"] = JSON_HEADERS["content-type"];
    headers = common;
  }
  return new Response(JSON.stringify(answer.message), { status: answer.status, headers });
}

export interface StreamOptions {
  /** Sends an SSE comment this often while the stream is open (long-lived streams). */
  keepAliveMs?: number;
  /** A client that lets this many events queue up unread is dropped (memory bound). */
  maxQueued?: number;
}

/**
 * The answer to a call that may notify (progress, or a subscription), from a client that
 * accepts `text/event-stream`: JSON, unless the call actually sends a notification before
 * it ends — then an SSE stream of the notifications and the answer. Until then nothing is
 * committed, so a failure before the first notification (a 403 for the tool's scope) is
 * still an ordinary HTTP error. `closed` fires when the client goes away (or is dropped
 * for reading too slowly): the call should stop, and nothing more is sent.
 */
export function answerMaybeStreamed(
  run: (notify: (n: JsonRpcNotification) => void, closed: AbortSignal) => Promise<HttpAnswer>,
  opts: StreamOptions = {},
  common?: () => Record<string, string>,
): Promise<Response> {
  const maxQueued = opts.maxQueued ?? 1024;
  const closed = new AbortController();
  return new Promise<Response>((resolve, reject) => {
    let stream: ReadableStreamDefaultController<Uint8Array> | undefined;
    let keepAlive: ReturnType<typeof setInterval> | undefined;
    const stop = () => {
      clearInterval(keepAlive);
      closed.abort();
    };
    const write = (bytes: Uint8Array) => {
      if (!stream || closed.signal.aborted) return;
      if ((stream.desiredSize ?? 0) < -maxQueued) {
        stop();
        stream.error(new Error("the client does not read its event stream"));
        return;
      }
      stream.enqueue(bytes);
    };
    const send = (message: unknown) =>
      write(encoder.encode(`event: message\ndata: ${JSON.stringify(message)}\n\n`));
    const notify = (notification: JsonRpcNotification) => {
      if (!stream) {
        resolve(
          new Response(
            new ReadableStream<Uint8Array>({ start: (c) => void (stream = c), cancel: stop }),
            { headers: SSE_HEADERS },
          ),
        );
        if (opts.keepAliveMs) keepAlive = setInterval(() => write(KEEP_ALIVE), opts.keepAliveMs);
      }
      send(notification);
    };
    run(notify, closed.signal).then(
      (answer) => {
        if (!stream) return resolve(jsonAnswer(answer, common?.()));
        if (closed.signal.aborted) return;
        if (answer.message) send(answer.message);
        stop();
        stream.close();
      },
      (err) => {
        // After the stream started the call cannot fail with an HTTP error (see http.ts).
        if (!stream) return reject(err);
        if (closed.signal.aborted) return;
        stop();
        stream.error(err);
      },
    );
  });
}
