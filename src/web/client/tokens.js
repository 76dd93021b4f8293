// Tokens (admin): create one with a scope (its secret is shown once, here), revoke one;
// and the OAuth grants, when there are any. Through GET/POST /tokens, DELETE /tokens/<id>,
// GET /grants and DELETE /grants/<id>, as any admin client would.
import { api, session } from "./api.js";
import { announce, confirmDialog, errorText, formatTime, h, mount } from "./dom.js";
import { loadGrants } from "./grants.js";

export function render(container) {
  const list = h("div", { class: "table-wrap" });
  const secretBox = h("div", { "aria-live": "polite" });
  const grantList = h("div", { class: "table-wrap" });
  mount(
    container,
    h("h1", { id: "page-title", tabindex: "-1" }, "Tokens"),
    createForm(secretBox, () => load(list)),
    secretBox,
    h("h2", {}, "All tokens"),
    list,
    grantList,
  );
  loadGrants(grantList);
  return load(list);
}

function createForm(secretBox, created) {
  const name = h("input", {
    id: "token-name",
    type: "text",
    required: true,
    maxlength: "100",
    placeholder: "ci-bot",
  });
  const scope = h(
    "select",
    { id: "token-scope" },
    h("option", { value: "read" }, "read — search, read and list files"),
    h("option", { value: "write", selected: true }, "write — also write, delete, import"),
    h("option", { value: "admin" }, "admin — also tokens and reindex"),
  );
  return h(
    "form",
    {
      class: "panel row",
      onsubmit: async (e) => {
        e.preventDefault();
        try {
          const made = await api("/tokens", {
            method: "POST",
            json: { name: name.value, scope: scope.value },
          });
          showSecret(secretBox, made);
          name.value = "";
          created();
        } catch (err) {
          announce(errorText(err), "error");
        }
      },
    },
    h("label", { for: "token-name", class: "grow" }, "Name", name),
    h("label", { for: "token-scope" }, "Scope", scope),
    h("button", { type: "submit" }, "Create token"),
  );
}

function showSecret(box, { token, secret }) {
  const code = h("code", { id: "new-secret" }, secret);
  const copy = h("button", { type: "button", class: "secondary" }, "Copy");
  copy.addEventListener("click", async () => {
    await navigator.clipboard.writeText(secret);
    copy.textContent = "Copied";
  });
  mount(
    box,
    h(
      "div",
      { class: "panel", role: "alert" },
      h("h2", {}, `Token "${token.name}" (${token.scope}) created`),
      h("p", {}, "Copy the secret now: it is shown only this once (quiver keeps only its hash)."),
      h("div", { class: "secret" }, code, copy),
      h("button", { type: "button", class: "secondary", onclick: () => mount(box) }, "Done"),
    ),
  );
  copy.focus();
}

async function load(list) {
  let tokens;
  try {
    ({ tokens } = await api("/tokens"));
  } catch (err) {
    mount(list, h("p", { class: "error" }, errorText(err)));
    return;
  }
  const active = tokens.filter((t) => !t.revoked);
  const revoked = tokens.filter((t) => t.revoked);
  mount(
    list,
    h(
      "table",
      { id: "tokens" },
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          h("th", {}, "Name"),
          h("th", {}, "Scope"),
          h("th", { class: "wide-only" }, "Created"),
          h("th", {}, "Status"),
          h("th", {}, h("span", { class: "muted" }, "Actions")),
        ),
      ),
      h(
        "tbody",
        {},
        [...active, ...revoked].map((t) => row(t, () => load(list))),
      ),
    ),
  );
}

function row(t, changed) {
  const revoke = h(
    "button",
    { type: "button", class: "danger", "aria-label": `Revoke ${t.name}` },
    "Revoke",
  );
  revoke.addEventListener("click", async () => {
    const mine = t.name === session.caller?.name;
    const warning = mine ? " You are signed in with it: this signs you out." : "";
    if (
      !(await confirmDialog(
        `Revoke "${t.name}"? Clients using it stop working at once.${warning}`,
        "Revoke",
      ))
    )
      return;
    try {
      await api(`/tokens/${encodeURIComponent(t.id)}`, { method: "DELETE" });
      announce(`Revoked ${t.name}`, "success");
      changed();
    } catch (err) {
      announce(errorText(err), "error");
    }
  });
  return h(
    "tr",
    { "data-token": t.name },
    h("td", {}, t.name, h("div", {}, h("code", { class: "muted" }, t.id))),
    h("td", {}, t.scope),
    h("td", { class: "wide-only" }, formatTime(t.created_at)),
    h(
      "td",
      {},
      t.revoked ? h("span", { class: "muted" }, `revoked ${formatTime(t.revoked_at)}`) : "active",
    ),
    h("td", { class: "actions" }, t.revoked ? null : revoke),
  );
}
