// Jobs: the list (newest first) with live progress, cancel, errors; and starting an
// import (import_path). Polled through list_jobs while the page is open; rows are updated
// in place, so a focused Cancel button keeps its focus.
import { can, tool } from "./api.js";
import { announce, errorText, formatTime, h, mount } from "./dom.js";

const POLL_MS = 1000;
const ACTIVE = new Set(["enqueued", "running"]);

export function render(container) {
  const tbody = h("tbody", {});
  const empty = h("p", { class: "muted", hidden: true }, "No jobs yet.");
  const problem = h("p", { class: "error", role: "alert" });
  mount(
    container,
    h("h1", { id: "page-title", tabindex: "-1" }, "Jobs"),
    can("write") ? importForm(() => refresh()) : null,
    h("h2", {}, "Recent jobs"),
    problem,
    h(
      "div",
      { class: "table-wrap" },
      h(
        "table",
        { id: "jobs" },
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            h("th", {}, "Job"),
            h("th", {}, "Status"),
            h("th", {}, "Progress"),
            h("th", { class: "wide-only" }, "Started"),
            h("th", {}, h("span", { class: "muted" }, "Actions")),
          ),
        ),
        tbody,
      ),
    ),
    empty,
  );
  const rows = new Map();
  let timer = null;
  let stopped = false;
  async function refresh() {
    clearTimeout(timer);
    try {
      const { jobs } = await tool("list_jobs", { limit: 20 });
      problem.textContent = "";
      empty.hidden = jobs.length > 0;
      jobs.forEach((job, i) => {
        let row = rows.get(job.job_id);
        if (!row) rows.set(job.job_id, (row = jobRow(job.job_id, refresh)));
        row.update(job);
        if (tbody.children[i] !== row.tr) tbody.insertBefore(row.tr, tbody.children[i] ?? null);
      });
      while (tbody.children.length > jobs.length) tbody.lastChild.remove();
    } catch (err) {
      problem.textContent = errorText(err);
    }
    if (!stopped) timer = setTimeout(refresh, POLL_MS);
  }
  refresh();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}

function jobRow(id, refresh) {
  const what = h("td", {});
  const status = h("span", { class: "status" });
  const error = h("div", { class: "error" });
  const bar = h("progress", { max: "1", value: "0" });
  const count = h("span", { class: "muted" });
  const started = h("td", { class: "wide-only" });
  const cancel = h("button", { type: "button", class: "secondary", hidden: true }, "Cancel");
  cancel.addEventListener("click", async () => {
    cancel.disabled = true;
    try {
      await tool("cancel_job", { job_id: id });
      announce(`Cancel requested for ${id}`);
    } catch (err) {
      announce(errorText(err), "error");
    }
    refresh();
  });
  const tr = h(
    "tr",
    { "data-job": id },
    what,
    h("td", {}, status, error),
    h("td", {}, h("label", { class: "inline" }, bar, " ", count)),
    started,
    h("td", { class: "actions" }, cancel),
  );
  return {
    tr,
    update(job) {
      const source = job.params?.path ? ` ${job.params.path}` : "";
      const into = job.params?.prefix ? ` → ${job.params.prefix}` : "";
      mount(
        what,
        h("div", {}, `${job.kind}${source}${into}`),
        h("code", { class: "muted" }, job.job_id),
      );
      status.textContent =
        job.cancel_requested && ACTIVE.has(job.status) ? `${job.status} (canceling)` : job.status;
      status.className = `status ${job.status}`;
      error.textContent = job.last_error ?? "";
      const { done, total } = job.progress;
      if (total) {
        bar.max = total;
        bar.value = done;
      } else if (job.status === "succeeded") {
        bar.max = 1;
        bar.value = 1;
      } else bar.removeAttribute("value"); // indeterminate until the total is known
      bar.setAttribute("aria-label", `Progress of ${job.job_id}`);
      count.textContent = total ? `${done} / ${total}` : done ? `${done}` : "";
      started.textContent = formatTime(job.started_at ?? job.created_at);
      cancel.hidden = !can("write") || !ACTIVE.has(job.status);
      cancel.setAttribute("aria-label", `Cancel ${job.job_id}`);
    },
  };
}

function importForm(started) {
  const path = h("input", {
    id: "import-path",
    type: "text",
    required: true,
    placeholder: "/srv/docs",
  });
  const prefix = h("input", { id: "import-prefix", type: "text", placeholder: "docs/" });
  const sync = h("input", { id: "import-sync", type: "checkbox" });
  return h(
    "form",
    {
      class: "panel row",
      onsubmit: async (e) => {
        e.preventDefault();
        try {
          const job = await tool("import_path", {
            path: path.value,
            ...(prefix.value ? { prefix: prefix.value } : {}),
            ...(sync.checked ? { sync: true } : {}),
          });
          announce(`Import started: ${job.job_id}`, "success");
          started();
        } catch (err) {
          announce(errorText(err), "error");
        }
      },
    },
    h(
      "label",
      { for: "import-path", class: "grow" },
      "Directory on the server (under an --import-root)",
      path,
    ),
    h("label", { for: "import-prefix" }, "Into folder", prefix),
    h("label", { for: "import-sync", class: "inline" }, sync, " Delete files no longer there"),
    h("button", { type: "submit" }, "Import"),
  );
}
