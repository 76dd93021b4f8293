import { lookup as dnsLookup } from "node:dns/promises";
import type http from "node:http";
import type { LookupFunction } from "node:net";
import { isIP } from "node:net";
import { isPrivateAddress } from "./addresses.ts";

/*
 * GET of a URL someone else chose (a Client ID Metadata Document), made safe to do from
 * inside the operator's network: the host name is resolved here and every address it has
 * is checked (one private address is enough to refuse: DNS can answer differently on the
 * next lookup), and the connection goes to exactly the addresses checked — the resolver
 * is handed to node:https as its `lookup`, so nothing resolves the name a second time (DNS
 * rebinding). No redirects are followed, the body is bounded and the whole exchange has a
 * deadline.
 */

export interface SafeFetchOptions {
  maxBytes: number;
  timeoutMs: number;
  /** Private, loopback and link-local addresses allowed (the operator's testing flag). */
  allowPrivate: boolean;
}

export interface SafeResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export class FetchRefused extends Error {
  override name = "FetchRefused";
}

export async function checkedAddresses(
  hostname: string,
  allowPrivate: boolean,
): Promise<{ address: string; family: number }[]> {
  const bare = hostname.replace(/^\[|\]$/g, "");
  const found = isIP(bare)
    ? [{ address: bare, family: isIP(bare) }]
    : await dnsLookup(bare, { all: true, verbatim: true }).catch((err) => {
        throw new FetchRefused(
          `${hostname} does not resolve (${(err as { code?: string }).code ?? err})`,
        );
      });
  if (found.length === 0) throw new FetchRefused(`${hostname} has no address`);
  if (!allowPrivate) {
    const bad = found.find((a) => isPrivateAddress(a.address));
    if (bad)
      throw new FetchRefused(
        `${hostname} resolves to ${bad.address}, a private, loopback or link-local address`,
      );
  }
  return found;
}

export async function safeGet(url: URL, opts: SafeFetchOptions): Promise<SafeResponse> {
  const addresses = await checkedAddresses(url.hostname, opts.allowPrivate);
  const lookup: LookupFunction = (_host, options, callback) => {
    if ((options as { all?: boolean }).all)
      (callback as (e: null, a: typeof addresses) => void)(null, addresses);
    else callback(null, addresses[0]!.address, addresses[0]!.family);
  };
  // Loaded on first use: importing node:http(s) costs about a third of the server's
  // start-up (measured with --cpu-prof), and only a CIMD client's first visit needs it.
  const client = url.protocol === "https:" ? await import("node:https") : await import("node:http");
  return await new Promise<SafeResponse>((resolve, reject) => {
    const request = client.request(
      url,
      {
        method: "GET",
        lookup,
        headers: { accept: "application/json", "user-agent": "quiver-oauth" },
      },
      (response) => {
        if (Number(response.headers["content-length"] ?? 0) > opts.maxBytes) {
          request.destroy(new FetchRefused(`the document is larger than ${opts.maxBytes} bytes`));
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        response.on("data", (chunk: Buffer) => {
          size += chunk.length;
          if (size > opts.maxBytes) {
            request.destroy(new FetchRefused(`the document is larger than ${opts.maxBytes} bytes`));
            return;
          }
          chunks.push(chunk);
        });
        response.on("end", () => {
          clearTimeout(timer);
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: Buffer.concat(chunks).toString("utf8"),
          });
        });
        response.on("error", (err) => {
          clearTimeout(timer);
          reject(err);
        });
      },
    );
    const timer = setTimeout(
      () => request.destroy(new FetchRefused(`no complete answer within ${opts.timeoutMs} ms`)),
      opts.timeoutMs,
    );
    request.on("error", (err) => {
      clearTimeout(timer);
      reject(err instanceof FetchRefused ? err : new FetchRefused(`fetch failed: ${err.message}`));
    });
    request.end();
  });
}
