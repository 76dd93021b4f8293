import { SCOPES, type Scope } from "../store/tokens.ts";
import { escapeHtml, renderPage } from "../web/page.ts";
import type { Pending } from "./pending.ts";

/*
 * The consent page, in the shell every quiver page shares (src/web/page.ts: one
 * stylesheet, no inline script or style): who asks (the client's name — its own claim, so
 * shown as such — and its client_id), where the browser will be sent (the redirect host),
 * what scope is asked for, and a sign-in field. It runs no script at all.
 */

const SCOPE_WORDS: Record<Scope, string> = {
  read: "read: search and read the stored files",
  write: "write: also create, change and delete files, start imports",
  admin: "admin: everything write allows, and the admin-only tools",
};

export function consentPage(pending: Pending, error?: string): string {
  const { client, redirectUri, scope } = pending.request;
  const redirect = new URL(redirectUri);
  const where = redirect.host || redirect.protocol;
  const asked = scope ?? "read";
  const offered = SCOPES.slice(0, SCOPES.indexOf(scope ?? "admin") + 1);
  const options = offered
    .map(
      (s) =>
        `<option value="${s}"${s === asked ? " selected" : ""}>${escapeHtml(SCOPE_WORDS[s])}</option>`,
    )
    .join("");
  const name = escapeHtml(client.name);
  return renderPage({
    title: `Connect ${client.name} to quiver?`,
    main: `<h1>Connect <span class="client-name">${name}</span> to quiver?</h1>
<section class="panel">
<dl>
  <dt>Client</dt><dd><span class="client-name">${name}</span> <span class="muted">(the name is the client's own claim)</span><br><code>${escapeHtml(client.id)}</code></dd>
  <dt>Sends you back to</dt><dd class="redirect-host"><strong>${escapeHtml(where)}</strong></dd>
  <dt>Asks for</dt><dd class="scope-asked">${scope ? escapeHtml(scope) : "no scope named (read is offered)"}</dd>
</dl>
</section>
${error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : ""}
<form method="post" action="/authorize" class="panel">
  <input type="hidden" name="request_id" value="${escapeHtml(pending.id)}">
  <input type="hidden" name="csrf" value="${escapeHtml(pending.csrf)}">
  <label>Grant <select name="scope">${options}</select></label>
  <label>Sign in with an admin token or the consent password
    <input type="password" name="credential" autocomplete="current-password"></label>
  <p class="muted">Signed in to the quiver console as an admin in this browser? Leave it empty.</p>
  <div class="row">
    <button type="submit" name="decision" value="approve">Approve</button>
    <button type="submit" name="decision" value="deny" class="secondary">Deny</button>
  </div>
</form>`,
  });
}

export function errorPage(title: string, message: string): string {
  return renderPage({
    title,
    main: `<h1>${escapeHtml(title)}</h1><p class="error" role="alert">${escapeHtml(message)}</p>`,
  });
}
