// Small DOM helpers for the console. Text always goes in as text nodes (never as HTML),
// so nothing a file, a path or a token name holds can become markup.

/**
 * h("button", {class: "secondary", onclick: fn, "aria-label": "Close"}, "x")
 * Props starting with "on" become listeners; false/null/undefined props are left out;
 * children are nodes, strings, numbers, or arrays of them (null/false skipped).
 */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props ?? {})) {
    if (value === false || value === null || value === undefined) continue;
    if (key.startsWith("on") && typeof value === "function")
      el.addEventListener(key.slice(2), value);
    else if (key === "value") el.value = value;
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof Node ? child : String(child));
  }
}

/** Replaces an element's content. */
export function mount(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/** Says something to screen readers (and shows it) in the page's live region. */
export function announce(message, kind = "") {
  const region = document.getElementById("live");
  if (!region) return;
  region.className = `notice ${kind}`;
  region.hidden = !message;
  region.textContent = message;
}

/** A user-facing line for a failure: the server's message, which says what to do. */
export function errorText(err) {
  return err?.message ? err.message : String(err);
}

export function formatBytes(n) {
  if (n < 1024) return `${n} B`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let v = n;
  let i = -1;
  do {
    v /= 1024;
    i++;
  } while (v >= 1024 && i < units.length - 1);
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

export function formatTime(iso) {
  if (!iso) return "";
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString();
}

/** Asks before something that cannot be undone, in a modal <dialog> (keyboard: Esc cancels). */
export function confirmDialog(message, confirmLabel) {
  return new Promise((resolve) => {
    const yes = h("button", { class: "danger", value: "yes" }, confirmLabel);
    const no = h("button", { class: "secondary", value: "no", autofocus: true }, "Cancel");
    const dialog = h(
      "dialog",
      { "aria-labelledby": "confirm-text" },
      h(
        "form",
        { method: "dialog" },
        h("p", { id: "confirm-text" }, message),
        h("div", { class: "row" }, no, yes),
      ),
    );
    dialog.addEventListener("close", () => {
      dialog.remove();
      resolve(dialog.returnValue === "yes");
    });
    document.body.append(dialog);
    dialog.showModal();
  });
}
