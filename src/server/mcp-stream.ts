import type { HttpAnswer } from "../mcp/http.ts";
import type { JsonRpcNotification } from "../mcp/jsonrpc.ts";

const JSON_HEADERS = { "content-type": "application/json" };
const SSE_HEADERS = { "content-type": "text/event-stream", "cache-control": "no-cache" };
const encoder = new TextEncoder();

/** An answer as JSON (or, for a notification, an empty 202). */
export function jsonAnswer(answer: HttpAnswer): Response {
  if (!answer.message) return new Response(null, { status: answer.status });
  return new Response(JSON.stringify(answer.message), {
    status: answer.status,
    headers: JSON_HEADERS,
  });
}

/**
 * The answer to a call that asked for progress, from a client that accepts
 * `text/event-stream`: JSON, unless the call actually sends a notification before it
 * ends — then an SSE stream of the notifications and the answer. Until then nothing is
 * committed, so a failure before the first notification (a 403 for the tool's scope) is
 * still an ordinary HTTP error.
 */
export function answerMaybeStreamed(
  run: (notify: (n: JsonRpcNotification) => void) => Promise<HttpAnswer>,
): Promise<Response> {
  return new Promise<Response>((resolve, reject) => {
    let stream: ReadableStreamDefaultController<Uint8Array> | undefined;
    const send = (message: unknown) =>
      stream?.enqueue(encoder.encode(`event: message\ndata: ${JSON.stringify(message)}\n\n`));
    const notify = (notification: JsonRpcNotification) => {
      if (!stream)
        resolve(
          new Response(new ReadableStream<Uint8Array>({ start: (c) => void (stream = c) }), {
            headers: SSE_HEADERS,
          }),
        );
      send(notification);
    };
    run(notify).then(
      (answer) => {
        if (!stream) return resolve(jsonAnswer(answer));
        if (answer.message) send(answer.message);
        stream.close();
      },
      (err) => {
        // After the stream started the call cannot fail with an HTTP error (see http.ts).
        if (!stream) return reject(err);
        stream.error(err);
      },
    );
  });
}
