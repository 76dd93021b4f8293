import { SCOPES, type Scope } from "../store/tokens.ts";
import type { Pending } from "./pending.ts";

/*
 * The consent page: who asks (the client's name — its own claim, so shown as such — and
 * its client_id), where the browser will be sent (the redirect host), what scope is asked
 * for, and a sign-in field. Plain HTML, one external stylesheet, no script at all, so the
 * Content-Security-Policy can forbid every script and every framing.
 */

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const SCOPE_WORDS: Record<Scope, string> = {
  read: "read — search and read the stored files",
  write: "write — also create, change and delete files, start imports",
  admin: "admin — everything write allows, and the admin-only tools",
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
  return shell(
    `Connect ${client.name} to quiver?`,
    `<h1>Connect <span class="client-name">${escapeHtml(client.name)}</span> to quiver?</h1>
<dl>
  <dt>Client</dt><dd><span class="client-name">${escapeHtml(client.name)}</span> (the name is the client's own claim) <code>${escapeHtml(client.id)}</code></dd>
  <dt>Sends you back to</dt><dd class="redirect-host"><strong>${escapeHtml(where)}</strong></dd>
  <dt>Asks for</dt><dd class="scope-asked">${scope ? escapeHtml(scope) : "no scope named (read is offered)"}</dd>
</dl>
${error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : ""}
<form method="post" action="/authorize">
  <input type="hidden" name="request_id" value="${escapeHtml(pending.id)}">
  <input type="hidden" name="csrf" value="${escapeHtml(pending.csrf)}">
  <label>Grant <select name="scope">${options}</select></label>
  <label>Sign in with an admin token or the consent password
    <input type="password" name="credential" autocomplete="current-password"></label>
  <div class="buttons">
    <button type="submit" name="decision" value="approve">Approve</button>
    <button type="submit" name="decision" value="deny" class="deny">Deny</button>
  </div>
</form>`,
  );
}

export function errorPage(title: string, message: string): string {
  return shell(
    title,
    `<h1>${escapeHtml(title)}</h1><p class="error" role="alert">${escapeHtml(message)}</p>`,
  );
}

function shell(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(title)} - quiver</title>
<link rel="stylesheet" href="/oauth/consent.css">
</head><body><main>
${body}
</main></body></html>
`;
}

export const CONSENT_CSS = `
:root { color-scheme: light dark; font-family: system-ui, sans-serif; }
main { max-width: 34rem; margin: 3rem auto; padding: 0 1rem; line-height: 1.5; }
h1 { font-size: 1.4rem; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .4rem 1rem; }
dt { font-weight: 600; }
dd { margin: 0; overflow-wrap: anywhere; }
code { font-size: .85em; }
label { display: block; margin: 1rem 0; }
input, select { display: block; width: 100%; margin-top: .3rem; padding: .4rem; box-sizing: border-box; }
.buttons { display: flex; gap: 1rem; }
button { padding: .5rem 1.4rem; font-size: 1rem; cursor: pointer; }
.error { color: #b00020; font-weight: 600; }
`;
