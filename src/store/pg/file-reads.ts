import type { SQL } from "bun";
import { badRequest } from "../../errors.ts";
import { OpenBlob } from "../blob-reader.ts";
import { decodeFileCursor, encodeFileCursor, fileNotFound } from "../file-rows.ts";
import { blobMissing, type FileInfo, type ListPage } from "../files.ts";
import type { PgBlobStore } from "./blobs.ts";
import { toInfo, toRow } from "./file-row.ts";
import { num } from "./rows.ts";

/**
 * The reading half of the PostgreSQL file store (files.ts adds the writes): rows by path,
 * listings by prefix, and bytes streamed from a blob's chunks (blobs.ts).
 */
export class PgFileReads {
  constructor(
    protected readonly sql: SQL,
    readonly blobs: PgBlobStore,
  ) {}

  async get(path: string): Promise<FileInfo | undefined> {
    const [r] = await this.sql`SELECT * FROM files WHERE path = ${path}`;
    return r ? toInfo(toRow(r)) : undefined;
  }

  async require(path: string): Promise<FileInfo> {
    const info = await this.get(path);
    if (!info) throw fileNotFound(path);
    return info;
  }

  async hashesUnder(prefix: string): Promise<Map<string, string>> {
    const rows = await this
      .sql`SELECT path, hash FROM files WHERE starts_with(path, ${prefix}) ORDER BY path`;
    return new Map(rows.map((r: { path: string; hash: string }) => [r.path, r.hash]));
  }

  async list(prefix: string, limit: number, cursor?: string): Promise<ListPage> {
    const after = cursor === undefined ? "" : decodeFileCursor(cursor);
    if (after && !after.startsWith(prefix))
      throw badRequest("invalid_cursor", "cursor does not belong to this prefix");
    const rows = (
      await this.sql`SELECT * FROM files WHERE starts_with(path, ${prefix}) AND path > ${after}
        ORDER BY path LIMIT ${limit + 1}`
    ).map(toRow);
    const page = rows.slice(0, limit).map(toInfo);
    return rows.length > limit
      ? { files: page, next_cursor: encodeFileCursor(page[page.length - 1]!.path) }
      : { files: page };
  }

  async pathsNamed(prefix: string, name: string, limit: number, after = ""): Promise<string[]> {
    const suffix = `/${name}`;
    const rows = await this.sql`SELECT path FROM files WHERE starts_with(path, ${prefix})
      AND path > ${after} AND right(path, ${suffix.length}) = ${suffix} ORDER BY path LIMIT ${limit}`;
    return rows.map((r: { path: string }) => r.path);
  }

  async count(): Promise<number> {
    const [r] = await this.sql`SELECT count(*) AS n FROM files`;
    return num(r.n);
  }

  async openRead(path: string): Promise<{ info: FileInfo; blob: OpenBlob; lines?: number }> {
    const [r] = await this.sql`SELECT f.*, b.hash AS present FROM files f
      LEFT JOIN blobs b ON b.hash = f.hash WHERE f.path = ${path}`;
    if (!r) throw fileNotFound(path);
    const row = toRow(r);
    if (r.present === null) throw blobMissing(path);
    const blobs = this.blobs;
    const blob = new OpenBlob(
      {
        read: (buf, offset, length, position) =>
          blobs.readAt(row.hash, buf, offset, length, position),
        close: () => {},
      },
      row.size,
    );
    return { info: toInfo(row), blob, lines: row.lines ?? undefined };
  }

  async readBytes(info: FileInfo): Promise<Uint8Array> {
    return (await this.openRead(info.path)).blob.bytes();
  }

  async bytesOf(hash: string): Promise<Uint8Array> {
    const [b] = await this.sql`SELECT size FROM blobs WHERE hash = ${hash}`;
    if (!b) throw new Error(`no blob ${hash}`);
    const size = num(b.size);
    return new OpenBlob(
      { read: (buf, o, l, p) => this.blobs.readAt(hash, buf, o, l, p), close: () => {} },
      size,
    ).bytes();
  }

  async textFileCount(): Promise<number> {
    const [r] = await this.sql`SELECT count(*) AS n FROM files WHERE is_text`;
    return num(r.n);
  }

  async textFilesAfter(afterId: number, limit: number) {
    const rows = await this
      .sql`SELECT id, path, hash, size FROM files WHERE is_text AND id > ${afterId}
      ORDER BY id LIMIT ${limit}`;
    return rows.map((r: Record<string, unknown>) => ({
      id: num(r.id),
      path: String(r.path),
      hash: String(r.hash),
      size: num(r.size),
    }));
  }
}
