import type { ConsentSecret, OAuthCodes } from "../store/interfaces/oauth.ts";
import type { Tokens } from "../store/interfaces/tokens.ts";
import { SCOPES, type Scope } from "../store/tokens.ts";
import type { Pending, PendingRequests } from "./pending.ts";

/*
 * The operator's decision on a consent page. Signing in is part of the decision itself
 * (the credential is a field of the form), not something the page can rely on having
 * happened before: the browser arrives at GET /authorize by a cross-site navigation from
 * the client (claude.ai), on which the web console's SameSite=Strict session cookie is not
 * sent (and making it Lax would let any site's top-level link ride a console session).
 * The decision itself is a same-origin form post, on which that Strict cookie *is* sent:
 * so an admin signed in to the console in this browser may leave the field empty. The
 * page's own cookie (see routes-oauth.ts) ties the decision to the browser shown the page.
 */

export const MAX_SIGN_IN_FAILURES = 5;

export type Decision =
  | { kind: "redirect"; location: string }
  | { kind: "retry"; pending: Pending; message: string }
  | { kind: "refused"; status: 400 | 403; title: string; message: string };

export interface DecisionInput {
  id: string;
  csrf?: string;
  browserKey?: string;
  decision?: string;
  scope?: string;
  credential?: string;
  /** The browser is signed in to the web console as an admin (its session cookie came with the post). */
  consoleAdmin?: boolean;
}

export async function decide(
  input: DecisionInput,
  ctx: {
    pending: PendingRequests;
    codes: OAuthCodes;
    tokens: Tokens;
    password: ConsentSecret;
    issuer: string;
  },
): Promise<Decision> {
  const found = ctx.pending.find(input.id, input.csrf, input.browserKey);
  if ("problem" in found)
    return found.problem === "expired"
      ? {
          kind: "refused",
          status: 400,
          title: "This authorization request has expired",
          message: "Nothing was approved. Start connecting again from the application.",
        }
      : {
          kind: "refused",
          status: 403,
          title: "This form was not sent by the consent page",
          message:
            "The form's CSRF token or this browser's consent cookie is missing or wrong; nothing was approved. Start connecting again from the application.",
        };
  const { pending } = found;
  const req = pending.request;
  const back = (params: Record<string, string>) => {
    const url = new URL(req.redirectUri);
    for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
    if (req.state !== undefined) url.searchParams.set("state", req.state);
    url.searchParams.set("iss", ctx.issuer);
    return { kind: "redirect" as const, location: url.href };
  };
  if (input.decision === "deny") {
    ctx.pending.remove(pending.id);
    return back({ error: "access_denied", error_description: "the operator denied the request" });
  }
  if (input.decision !== "approve")
    return { kind: "retry", pending, message: "Choose Approve or Deny." };
  const viaConsole = input.consoleAdmin === true && !input.credential;
  if (!viaConsole && !(await signedIn(input.credential ?? "", ctx))) {
    pending.failures++;
    if (pending.failures >= MAX_SIGN_IN_FAILURES) {
      ctx.pending.remove(pending.id);
      return back({ error: "access_denied", error_description: "too many failed sign-ins" });
    }
    return {
      kind: "retry",
      pending,
      message:
        "Sign-in failed: give an admin token (quiver token create --scope admin) or the consent password (quiver oauth password).",
    };
  }
  const ceiling = req.scope ?? "admin";
  const scope = (SCOPES as string[]).includes(input.scope ?? "")
    ? (input.scope as Scope)
    : (req.scope ?? "read");
  if (SCOPES.indexOf(scope) > SCOPES.indexOf(ceiling))
    return { kind: "retry", pending, message: `The client asked for at most ${ceiling}.` };
  ctx.pending.remove(pending.id);
  const code = await ctx.codes.issue({
    clientId: req.client.id,
    clientName: req.client.name,
    redirectUri: req.redirectUri,
    codeChallenge: req.codeChallenge,
    scope,
    resource: req.resource,
  });
  return back({ code });
}

/** An admin token made by the operator (not one minted by OAuth), or the consent password. */
async function signedIn(
  credential: string,
  ctx: { tokens: Tokens; password: ConsentSecret },
): Promise<boolean> {
  if (credential.length === 0 || credential.length > 1_024) return false;
  const checked = await ctx.tokens.check(credential);
  if ("caller" in checked)
    return checked.caller.scope === "admin" && checked.caller.grantId === undefined;
  return await ctx.password.verify(credential);
}
