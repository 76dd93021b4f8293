import { Elysia } from "elysia";
import { badRequest } from "../errors.ts";
import type { OpenServices } from "../services.ts";
import { normalizePath, normalizePrefix } from "../store/paths.ts";
import type { AuthPlugin } from "./auth.ts";
import { checkDeclaredLength } from "./body.ts";
import { json } from "./errors.ts";
import { bodyEndFor } from "./streamed-body.ts";

/**
 * Raw file bytes: `PUT /files/<path>` (streamed to the blob store, so `curl -T big.pdf`
 * never sits in memory), `GET /files/<path>` (bytes with Content-Type and ETag),
 * `DELETE /files/<path>`, and `GET /files?prefix=` (listing).
 */
export function fileRoutes(services: OpenServices, auth: AuthPlugin) {
  const { files, config } = services;

  const logicalPath = (request: Request): string => {
    const raw = new URL(request.url).pathname.slice("/files/".length);
    let decoded: string;
    try {
      decoded = decodeURIComponent(raw);
    } catch {
      throw badRequest("invalid_path", "path has malformed percent-encoding");
    }
    return normalizePath(decoded);
  };

  return new Elysia({ name: "quiver/files" })
    .use(auth)
    .get(
      "/files",
      async ({ query }) => {
        const limit = query.limit === undefined ? 100 : Number(query.limit);
        if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
          throw badRequest("invalid_parameters", "limit must be an integer 1-1000");
        return await files.list(normalizePrefix(query.prefix), limit, query.cursor);
      },
      { auth: "read" },
    )
    .get(
      "/files/*",
      async ({ request }) => {
        // Opened at once: a delete from here on cannot fail this read (see openRead).
        const { info, blob } = await files.openRead(logicalPath(request));
        const etag = `"${info.sha256}"`;
        const headers: Record<string, string> = {
          etag,
          "content-type": info.content_type,
          "cache-control": "no-cache",
        };
        if (
          request.headers
            .get("if-none-match")
            ?.split(",")
            .some((t) => t.trim() === etag)
        ) {
          blob.close();
          return new Response(null, { status: 304, headers });
        }
        return new Response(blob.stream(bodyEndFor(request, info.size)), {
          headers: { ...headers, "content-length": String(info.size) },
        });
      },
      { auth: "read" },
    )
    .put(
      "/files/*",
      async ({ request }) => {
        const path = logicalPath(request);
        checkDeclaredLength(request, config.maxBodyBytes);
        const body = request.body ?? new ReadableStream<Uint8Array>({ start: (c) => c.close() });
        const { file, created } = await files.put(path, body, config.maxBodyBytes);
        return json(created ? 201 : 200, file, {
          etag: `"${file.sha256}"`,
          ...(created ? { location: `/files/${encodeURI(file.path)}` } : {}),
        });
      },
      { auth: "write", parse: "none" },
    )
    .delete(
      "/files/*",
      async ({ request }) => {
        const gone = await files.delete(logicalPath(request));
        return { path: gone.path, sha256: gone.sha256 };
      },
      { auth: "write" },
    );
}
