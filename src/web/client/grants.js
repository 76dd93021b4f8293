// OAuth grants on the Tokens page: what clients connected through the consent page were
// allowed (GET /grants), with revoke (DELETE /grants/<id>). Nothing is shown until there is one.
import { api } from "./api.js";
import { announce, confirmDialog, errorText, formatTime, h, mount } from "./dom.js";

/** OAuth grants (clients that connected through the consent page): shown once there are any. */
export async function loadGrants(box) {
  let grants;
  try {
    ({ grants } = await api("/grants"));
  } catch (err) {
    mount(box, h("p", { class: "error" }, errorText(err)));
    return;
  }
  if (!grants.length) return mount(box);
  const row = (g) => {
    const revoke = h(
      "button",
      { type: "button", class: "danger", "aria-label": `Revoke grant of ${g.client_name}` },
      "Revoke",
    );
    revoke.addEventListener("click", async () => {
      if (
        !(await confirmDialog(
          `Revoke what "${g.client_name}" was allowed? Its access stops at once.`,
          "Revoke",
        ))
      )
        return;
      try {
        await api(`/grants/${encodeURIComponent(g.id)}`, { method: "DELETE" });
        announce(`Revoked the grant of ${g.client_name}`, "success");
      } catch (err) {
        announce(errorText(err), "error");
      }
      loadGrants(box);
    });
    return h(
      "tr",
      { "data-grant": g.id },
      h("td", {}, g.client_name, h("div", {}, h("code", { class: "muted" }, g.client_id))),
      h("td", {}, g.scope),
      h(
        "td",
        { class: "wide-only" },
        g.last_used_at ? `used ${formatTime(g.last_used_at)}` : formatTime(g.created_at),
      ),
      h(
        "td",
        {},
        g.revoked
          ? h(
              "span",
              { class: "muted" },
              `revoked ${formatTime(g.revoked_at)}${g.revoked_why ? ` (${g.revoked_why})` : ""}`,
            )
          : "active",
      ),
      h("td", { class: "actions" }, g.revoked ? null : revoke),
    );
  };
  mount(
    box,
    h("h2", {}, "OAuth grants"),
    h(
      "table",
      { id: "grants" },
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          h("th", {}, "Client"),
          h("th", {}, "Scope"),
          h("th", { class: "wide-only" }, "Last used"),
          h("th", {}, "Status"),
          h("th", {}, h("span", { class: "muted" }, "Actions")),
        ),
      ),
      h("tbody", {}, grants.map(row)),
    ),
  );
}
