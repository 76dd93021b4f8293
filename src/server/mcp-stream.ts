import type { HttpAnswer } from "../mcp/http.ts";
import type { JsonRpcNotification } from "../mcp/jsonrpc.ts";

const JSON_HEADERS = { "content-type": "application/json" };
const SSE_HEADERS = { "content-type": "text/event-stream", "cache-control": "no-cache" };

/** An answer as JSON (or, for a notification, an empty 202). */
export function jsonAnswer(answer: HttpAnswer): Response {
  if (!answer.message) return new Response(null, { status: answer.status });
  return new Response(JSON.stringify(answer.message), {
    status: answer.status,
    headers: JSON_HEADERS,
  });
}

/**
 * The HTTP framing of an MCP answer: JSON, or — for a client that accepts
 * `text/event-stream`, once the call actually sends a notification (progress) — an SSE
 * stream of the notifications and then the answer. Until then nothing is committed, so a
 * failure before the first notification (a 403 for the tool's scope) is still an
 * ordinary HTTP error.
 */
export function answerMaybeStreamed(
  run: (notify?: (n: JsonRpcNotification) => void) => Promise<HttpAnswer>,
  acceptsStream: boolean,
): Promise<Response> {
  if (!acceptsStream) return run().then(jsonAnswer);
  return new Promise<Response>((resolve, reject) => {
    const encoder = new TextEncoder();
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
