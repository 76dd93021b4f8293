// Files: browse by prefix (folders are the next path segment); viewing is file-view.js,
// uploading upload.js.
import { api, can } from "./api.js";
import { errorText, formatBytes, formatTime, h, mount } from "./dom.js";
import { crumbs, fileActions, view } from "./file-view.js";
import { uploader } from "./upload.js";

const PAGE = 1000;

export function render(container, params, nav) {
  if (params.get("path")) {
    const at = {
      line: Number(params.get("line")) || 0,
      end: Number(params.get("end")) || 0,
      words: (params.get("hl") ?? "").split("\n"),
    };
    return view(container, params.get("path"), at, nav);
  }
  return browse(container, params.get("prefix") ?? "", nav);
}

async function browse(container, prefix, nav) {
  const list = h("div", { class: "table-wrap" });
  const filter = h("input", { id: "prefix", type: "text", value: prefix, placeholder: "docs/" });
  mount(
    container,
    h("h1", { id: "page-title", tabindex: "-1" }, "Files"),
    crumbs(prefix),
    h(
      "form",
      {
        class: "row",
        role: "search",
        onsubmit: (e) => {
          e.preventDefault();
          nav.go("files", { prefix: filter.value });
        },
      },
      h("label", { for: "prefix", class: "grow" }, "Path prefix", filter),
      h("button", { type: "submit", class: "secondary" }, "Show"),
    ),
    can("write") ? uploader(prefix, () => browse(container, prefix, nav)) : null,
    list,
  );
  let cursor;
  const entries = [];
  try {
    const page = await api(`/files?${new URLSearchParams({ prefix, limit: String(PAGE) })}`);
    entries.push(...page.files);
    cursor = page.next_cursor;
  } catch (err) {
    mount(list, h("p", { class: "error" }, errorText(err)));
    return;
  }
  const folders = new Map();
  const here = [];
  for (const f of entries) {
    const rest = f.path.slice(prefix.length);
    const slash = rest.indexOf("/");
    if (slash === -1) here.push(f);
    else {
      const name = rest.slice(0, slash + 1);
      folders.set(name, (folders.get(name) ?? 0) + 1);
    }
  }
  if (!entries.length) {
    mount(
      list,
      h(
        "p",
        { class: "muted" },
        prefix
          ? `No files under ${prefix}`
          : "No files yet. Upload some, or import a directory on the Jobs page.",
      ),
    );
    return;
  }
  const rows = [
    ...[...folders].map(([name, n]) =>
      h(
        "tr",
        {},
        h(
          "td",
          {},
          h("a", { href: `#/files?prefix=${encodeURIComponent(prefix + name)}` }, `${name}`),
        ),
        h("td", { class: "num" }, `${n}${cursor ? "+" : ""} files`),
        h("td", { class: "wide-only" }),
        h("td", {}),
      ),
    ),
    ...here.map((f) => fileRow(f, prefix, () => browse(container, prefix, nav))),
  ];
  mount(
    list,
    h(
      "table",
      {},
      h(
        "caption",
        { class: "muted" },
        `${entries.length}${cursor ? "+" : ""} files${prefix ? ` under ${prefix}` : ""}`,
      ),
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          h("th", {}, "Name"),
          h("th", { class: "num" }, "Size"),
          h("th", { class: "wide-only" }, "Updated"),
          h("th", {}, h("span", { class: "muted" }, "Actions")),
        ),
      ),
      h("tbody", {}, rows),
    ),
    cursor
      ? h("p", { class: "muted" }, `Showing the first ${PAGE}; narrow the prefix to see the rest.`)
      : null,
  );
}

function fileRow(f, prefix, refresh) {
  const name = f.path.slice(prefix.length);
  return h(
    "tr",
    {},
    h("td", {}, h("a", { href: `#/files?path=${encodeURIComponent(f.path)}` }, name)),
    h("td", { class: "num" }, formatBytes(f.size)),
    h("td", { class: "wide-only" }, formatTime(f.updated_at)),
    h("td", { class: "actions" }, fileActions(f.path, refresh)),
  );
}
