// A stored file: its text with line numbers (opened at a line, from search), download,
// delete after a confirmation. Read through the read_file tool, like any client.
import { api, can, fileUrl, tool } from "./api.js";
import { announce, confirmDialog, errorText, h, mount } from "./dom.js";

export function crumbs(prefix, last) {
  const parts = prefix.split("/").filter(Boolean);
  const links = [h("a", { href: "#/files" }, "All files")];
  let acc = "";
  for (const part of parts) {
    acc += `${part}/`;
    const target = acc;
    links.push(" / ", h("a", { href: `#/files?prefix=${encodeURIComponent(target)}` }, part));
  }
  if (last) links.push(" / ", h("span", { "aria-current": "page" }, last));
  return h("nav", { class: "crumbs", "aria-label": "Folder" }, links);
}

export function fileActions(path, afterDelete) {
  return [
    h(
      "a",
      {
        class: "button secondary",
        href: fileUrl(path),
        download: path.split("/").pop(),
        "aria-label": `Download ${path}`,
      },
      "Download",
    ),
    can("write")
      ? [
          " ",
          h(
            "button",
            {
              type: "button",
              class: "danger",
              "aria-label": `Delete ${path}`,
              onclick: () => remove(path, afterDelete),
            },
            "Delete",
          ),
        ]
      : null,
  ];
}

async function remove(path, after) {
  if (!(await confirmDialog(`Delete ${path}? This cannot be undone.`, "Delete"))) return;
  try {
    await api(fileUrl(path), { method: "DELETE" });
    announce(`Deleted ${path}`, "success");
    after();
  } catch (err) {
    announce(errorText(err), "error");
  }
}

/**
 * `at`: the line to open at (0: the top); from a search hit also the passage's last line
 * and the words its snippet marked, to land on the first line of the passage holding one.
 */
export async function view(container, path, at, nav) {
  const line = at.line;
  const slash = path.lastIndexOf("/");
  const prefix = slash === -1 ? "" : path.slice(0, slash + 1);
  const body = h("div", {});
  mount(
    container,
    h("h1", { id: "page-title", tabindex: "-1" }, path.slice(slash + 1)),
    crumbs(prefix, path.slice(slash + 1)),
    h(
      "div",
      { class: "row" },
      fileActions(path, () => nav.go("files", { prefix })),
    ),
    body,
  );
  const offset = line > 200 ? line - 200 : 1;
  let result;
  try {
    result = await tool("read_file", { path, offset, limit: 2000 });
  } catch (err) {
    mount(body, h("p", { class: err.code === "binary_file" ? "notice" : "error" }, errorText(err)));
    return;
  }
  const lines = result.content.split("\n");
  const list = h("ol", {
    class: "code",
    start: String(result.line_start),
    "aria-label": `${path}, lines ${result.line_start} to ${result.line_end}`,
  });
  const end = Math.max(line, at.end || line);
  const words = at.words.map((w) => w.toLowerCase()).filter(Boolean);
  let target;
  lines.forEach((text, i) => {
    const n = result.line_start + i;
    const li = h(
      "li",
      { id: `L${n}`, class: n >= line && n <= end && line ? "in-range" : false },
      text,
    );
    list.append(li);
    if (!target && line && n >= line && n <= end) {
      const lower = text.toLowerCase();
      if (!words.length || words.some((w) => lower.includes(w))) target = li;
    }
  });
  target ??= list.querySelector(`#L${line}`);
  target?.classList.add("target");
  target?.setAttribute("aria-current", "true");
  mount(
    body,
    h(
      "p",
      { class: "muted" },
      `Lines ${result.line_start}–${result.line_end} of ${result.total_lines}${result.truncated ? " (more: read it whole with Download)" : ""}`,
    ),
    list,
  );
  target?.scrollIntoView({ block: "center" });
}
