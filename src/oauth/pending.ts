import type { AuthorizationRequest } from "./authorize-request.ts";
import { sameSecret } from "./pkce.ts";

/*
 * Authorization requests waiting for the operator's decision on the consent page. Each one
 * has an unguessable id, a CSRF token (in the form) and a browser key (in a cookie set by
 * the page): a decision counts only with all three, from the browser that was shown the
 * page. In memory, bounded in count and time: a request nobody answers within 10 minutes
 * is gone (the client simply starts again).
 */

export const PENDING_TTL_MS = 10 * 60_000;
export const MAX_PENDING = 1_000;

export interface Pending {
  id: string;
  csrf: string;
  browserKey: string;
  request: AuthorizationRequest;
  expiresAt: number;
  /** Failed sign-ins on this page: past 5 the request is dropped. */
  failures: number;
}

const random = () => Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("base64url");

export class PendingRequests {
  private readonly byId = new Map<string, Pending>();

  add(request: AuthorizationRequest, now = Date.now()): Pending {
    this.prune(now);
    if (this.byId.size >= MAX_PENDING) this.byId.delete(this.byId.keys().next().value!);
    const pending = {
      id: random(),
      csrf: random(),
      browserKey: random(),
      request,
      expiresAt: now + PENDING_TTL_MS,
      failures: 0,
    };
    this.byId.set(pending.id, pending);
    return pending;
  }

  /** The pending request, if id, CSRF token and browser key all match and it has not expired. */
  find(
    id: string,
    csrf: string | undefined,
    browserKey: string | undefined,
    now = Date.now(),
  ): { pending: Pending } | { problem: "expired" | "csrf" } {
    const pending = this.byId.get(id);
    if (!pending || pending.expiresAt <= now) return { problem: "expired" };
    if (!csrf || !sameSecret(csrf, pending.csrf)) return { problem: "csrf" };
    if (!browserKey || !sameSecret(browserKey, pending.browserKey)) return { problem: "csrf" };
    return { pending };
  }

  remove(id: string): void {
    this.byId.delete(id);
  }

  private prune(now: number): void {
    for (const [id, p] of this.byId) if (p.expiresAt <= now) this.byId.delete(id);
  }
}
