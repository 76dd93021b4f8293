import { logError } from "../log.ts";
import type { StreamEnd } from "../store/blob-reader.ts";
import { CLIENT_CLOSED } from "./client-abort.ts";
import { requestInfo } from "./request-info.ts";

/**
 * How a file body ends, for GET /files/*: registers the promise the access line waits
 * for (request-info.ts bodyEnd) and returns the callback OpenBlob.stream calls. A read
 * that fails mid-body cannot change the status the headers already sent, so it is
 * logged as an error line with the request id, and the access line says 500.
 */
export function bodyEndFor(request: Request, size: number): (end: StreamEnd) => void {
  const info = requestInfo(request);
  let settle!: (end: StreamEnd) => void;
  info.bodyEnd = new Promise((resolve) => {
    settle = resolve;
  });
  // A client that leaves before the body starts may never pull it: the line still comes.
  request.signal.addEventListener("abort", () => settle({ outcome: "canceled", sent: 0 }), {
    once: true,
  });
  return (end) => {
    if (end.outcome === "failed")
      logError("response failed", {
        req: info.id,
        status: 500,
        sent: end.sent,
        size,
        error: end.error,
      });
    settle(end);
  };
}

/** What the access line says about a streamed body that ended: its real status and bytes. */
export function accessFieldsFor(end: StreamEnd, status: number): Record<string, unknown> {
  switch (end.outcome) {
    case "sent":
      return { status, bytes: end.sent };
    case "canceled":
      return { status: CLIENT_CLOSED, bytes: end.sent };
    case "failed":
      return { status: 500, bytes: end.sent, error: "file body failed while sending" };
  }
}
