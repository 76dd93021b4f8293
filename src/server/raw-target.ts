import { badRequest, type QuiverError } from "../errors.ts";
import type { Handler, Peer } from "./handler.ts";

/**
 * File paths decided on the raw request target. Bun resolves dot segments, `%2e%2e` and
 * backslashes in `request.url` before any handler runs (`PUT /files/x/../a.txt` arrives as
 * `/files/a.txt`), so a handler cannot tell that the client asked for something else.
 * Bun's own router, however, matches the raw target and hands over its segments,
 * percent-decoded, as route parameters. So `/files/*` is registered once per depth
 * (`/files/:s0`, `/files/:s0/:s1`, …): each segment the client sent is checked before the
 * app sees the request. A target that fits none of them (an empty segment, a trailing
 * "/", or deeper than MAX_RAW_SEGMENTS) is refused too: a valid path always fits one.
 *
 * Why 32: Bun's route table costs start-up time that grows faster than the route count
 * (measured here: 32 routes 0.8 ms, 64 routes 7.7 ms, 512 routes 212 ms), and start-up is
 * part of every CLI call. Deeper files stay reachable through the tools.
 */
export const MAX_RAW_SEGMENTS = 32;

type RouteHandler = (request: Request, server: Peer) => Response | Promise<Response>;
type RoutedRequest = Request & { params?: Record<string, string> };

/** Why the raw segments are refused, or undefined when they name a path as sent. */
export function rawSegmentsError(segments: string[], url: string): QuiverError | undefined {
  for (const segment of segments) {
    if (segment === "." || segment === "..")
      return badRequest(
        "invalid_path",
        'path must not contain "." or ".." segments (also when percent-encoded)',
      );
    if (segment.includes("\\"))
      return badRequest("invalid_path", 'path must use "/" as separator, not "\\"');
  }
  // Bun leaves an encoded dot inside a name alone ("a%2etxt"); the raw form decides.
  const query = url.indexOf("?");
  if (/%2e/i.test(query === -1 ? url : url.slice(0, query)))
    return badRequest("invalid_path", "path must not contain encoded dots");
  return undefined;
}

/** The error for a /files/ target that fits no per-depth route. */
export function unroutableFileTarget(): QuiverError {
  return badRequest(
    "invalid_path",
    `path must not contain empty segments ("//" or a trailing "/") and may have at most ${MAX_RAW_SEGMENTS} segments over /files (deeper files: use the read_file, write_file and delete_file tools)`,
  );
}

/** Bun.serve `routes` that check /files/<path> on its raw segments, then call `handle`. */
export function rawFileRoutes(handle: Handler): Record<string, RouteHandler> {
  const routes: Record<string, RouteHandler> = {};
  const checked = (request: Request, server: Peer) => {
    const params = (request as RoutedRequest).params ?? {};
    return handle(request, {
      server,
      refused: rawSegmentsError(Object.values(params), request.url),
    });
  };
  let pattern = "/files";
  for (let depth = 0; depth < MAX_RAW_SEGMENTS; depth++) {
    pattern += `/:s${depth}`;
    routes[pattern] = checked;
  }
  routes["/files/*"] = (request: Request, server: Peer) =>
    handle(request, { server, refused: unroutableFileTarget() });
  return routes;
}
