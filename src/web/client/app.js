// The console's frame: sign-in, the navigation, and a page per hash route
// (#/files, #/search, #/jobs, #/tokens, #/connect). Each page module exports
// render(container, params, nav) and may return a function that stops it (timers).
import { can, loadSession, session, signIn, signOut } from "./api.js";
import * as connect from "./connect.js";
import { announce, errorText, h, mount } from "./dom.js";
import * as files from "./files.js";
import * as jobs from "./jobs.js";
import * as search from "./search.js";
import * as tokens from "./tokens.js";

const PAGES = [
  { id: "files", label: "Files", module: files, scope: "read" },
  { id: "search", label: "Search", module: search, scope: "read" },
  { id: "jobs", label: "Jobs", module: jobs, scope: "read" },
  { id: "tokens", label: "Tokens", module: tokens, scope: "admin" },
  { id: "connect", label: "Connect", module: connect, scope: "read" },
];

const main = document.getElementById("main");
const header = document.querySelector("header.top");
const nav = h("nav", { "aria-label": "Console" });
const who = h("div", { class: "who" });
const live = h("div", { id: "live", role: "status", "aria-live": "polite", hidden: true });
header.append(nav, who);
main.before(live);
let stop = null;

function current() {
  const raw = location.hash.replace(/^#\/?/, "");
  const q = raw.indexOf("?");
  const name = q === -1 ? raw : raw.slice(0, q);
  return { name: name || "files", params: new URLSearchParams(q === -1 ? "" : raw.slice(q + 1)) };
}

/** Goes to a page; the hash holds the page and its parameters (never a token). */
export function go(name, params = {}) {
  const query = new URLSearchParams(params).toString();
  const target = `#/${name}${query ? `?${query}` : ""}`;
  if (location.hash === target) route();
  else location.hash = target;
}

function renderNav(active) {
  mount(
    nav,
    PAGES.filter((p) => can(p.scope)).map((p) =>
      h("a", { href: `#/${p.id}`, "aria-current": p.id === active ? "page" : false }, p.label),
    ),
  );
  mount(
    who,
    h("span", {}, `${session.caller.name} (${session.caller.scope})`),
    h("button", { class: "secondary", type: "button", onclick: onSignOut }, "Sign out"),
  );
}

async function onSignOut() {
  try {
    await signOut();
  } catch {
    // The session is gone either way.
  }
  showSignIn("Signed out.");
}

async function route() {
  if (!session.caller) return;
  stop?.();
  stop = null;
  announce("");
  const { name, params } = current();
  const page = PAGES.find((p) => p.id === name && can(p.scope)) ?? PAGES[0];
  renderNav(page.id);
  document.title = `${page.label} · quiver`;
  const container = h("section", { "aria-labelledby": "page-title" });
  mount(main, container);
  try {
    stop = (await page.module.render(container, params, { go })) ?? null;
  } catch (err) {
    mount(
      container,
      h("h1", { id: "page-title" }, page.label),
      h("p", { class: "error" }, errorText(err)),
    );
  }
  if (document.activeElement === document.body || !main.contains(document.activeElement))
    container.querySelector("h1")?.focus({ preventScroll: true });
}

function showSignIn(message = "") {
  stop?.();
  stop = null;
  session.caller = null;
  mount(nav);
  mount(who);
  document.title = "Sign in · quiver";
  const input = h("input", {
    id: "token",
    name: "token",
    type: "password",
    autocomplete: "off",
    spellcheck: "false",
    required: true,
    "aria-describedby": "token-help",
  });
  const error = h("p", { class: "error", role: "alert" });
  const form = h(
    "form",
    { class: "panel signin", onsubmit: onSubmit },
    h("h1", { id: "page-title", tabindex: "-1" }, "Sign in to quiver"),
    message ? h("p", { class: "muted" }, message) : null,
    h("label", { for: "token" }, "Token", input),
    h(
      "p",
      { id: "token-help", class: "muted" },
      "A quiver token (quiver token create, or the admin token printed at first start). It is sent once and kept only as a session cookie; admins see everything, read and write tokens what their scope allows.",
    ),
    error,
    h("button", { type: "submit" }, "Sign in"),
  );
  async function onSubmit(event) {
    event.preventDefault();
    error.textContent = "";
    try {
      await signIn(input.value.trim());
      input.value = "";
      route();
    } catch (err) {
      error.textContent = errorText(err);
      input.focus();
    }
  }
  mount(main, form);
  input.focus();
}

window.addEventListener("hashchange", route);
window.addEventListener("quiver:signed-out", () =>
  showSignIn(
    "Your session has ended (signed out, expired, or its token was revoked). Sign in again.",
  ),
);

loadSession().then(route, () => showSignIn());
