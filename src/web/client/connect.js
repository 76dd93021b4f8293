// Connect: configurations filled in with this server's address, ready to paste: Claude
// Code, Claude Desktop, the Messages API (tool definitions from GET /tools) and curl.
import { session } from "./api.js";
import { h, mount } from "./dom.js";

/** Single-quoted for a POSIX shell when it needs quoting at all. */
const sh = (s) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replaceAll("'", "'\\''")}'`);

export function snippets(origin, server) {
  const command = server.command ?? "/usr/local/bin/quiver";
  const data = server.data_dir;
  const dataArg = data ? sh(data) : '"$QUIVER_DATA"';
  return [
    {
      id: "claude-code",
      title: "Claude Code (over HTTP)",
      note: "Needs a token in TOKEN (export TOKEN=...; make one on the Tokens page or with quiver token create --name claude-code --scope write).",
      text: `claude mcp add --transport http quiver ${origin}/mcp \\\n  --header "Authorization: Bearer $TOKEN"`,
    },
    {
      id: "claude-code-stdio",
      title: "Claude Code (on this machine, over stdio)",
      note: "Claude Code starts quiver itself on the same data directory; no token is needed.",
      text: `claude mcp add quiver -- ${sh(command)} mcp --data ${dataArg}`,
    },
    {
      id: "claude-desktop",
      title: "Claude Desktop (claude_desktop_config.json)",
      note: "Settings > Developer > Edit Config. Remote servers are added under Settings > Connectors instead (quiver must be reachable over public HTTPS).",
      text: JSON.stringify(
        {
          mcpServers: {
            quiver: { command, args: ["mcp", "--data", data ?? "/Users/you/quiver-data"] },
          },
        },
        null,
        2,
      ),
    },
    {
      id: "messages-api",
      title: "Messages API (Python): quiver's tools in your own tool loop",
      note: "GET /tools gives the tool definitions; post each tool_use block to /tools/call.",
      text: `import os, requests  # client = anthropic.Anthropic(); MODEL and messages are yours

QUIVER = "${origin}"
auth = {"Authorization": f"Bearer {os.environ['TOKEN']}"}
tools = requests.get(f"{QUIVER}/tools", headers=auth).json()["tools"]
msg = client.messages.create(model=MODEL, max_tokens=1024, tools=tools, messages=messages)
for block in msg.content:
    if block.type == "tool_use":
        r = requests.post(f"{QUIVER}/tools/call", headers=auth,
                          json={"name": block.name, "parameters": block.input})
        result = {"type": "tool_result", "tool_use_id": block.id,
                  "content": r.text, "is_error": r.status_code >= 400}`,
    },
    {
      id: "curl",
      title: "curl",
      note: "The tool definitions, then one call.",
      text: `curl -s -H "Authorization: Bearer $TOKEN" ${origin}/tools
curl -s -H "Authorization: Bearer $TOKEN" -H 'content-type: application/json' \\
  -d '{"name": "search", "parameters": {"query": "hello"}}' ${origin}/tools/call`,
    },
  ];
}

export function render(container) {
  const origin = location.origin;
  mount(
    container,
    h("h1", { id: "page-title", tabindex: "-1" }, "Connect"),
    h(
      "p",
      {},
      "This server: ",
      h("code", {}, origin),
      ". MCP clients use ",
      h("code", {}, `${origin}/mcp`),
      ".",
    ),
    snippets(origin, session.server).map((s) => snippetBox(s)),
  );
}

function snippetBox({ id, title, note, text }) {
  const pre = h("pre", { id: `snippet-${id}`, tabindex: "0" }, h("code", {}, text));
  const copy = h(
    "button",
    { type: "button", class: "secondary", "aria-label": `Copy: ${title}` },
    "Copy",
  );
  copy.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(text);
      copy.textContent = "Copied";
    } catch {
      // No clipboard (a page not served over HTTPS or localhost): select it for Ctrl+C.
      getSelection().selectAllChildren(pre);
      copy.textContent = "Press Ctrl+C";
    }
    setTimeout(() => (copy.textContent = "Copy"), 2000);
  });
  return h(
    "section",
    { class: "panel", "aria-labelledby": `title-${id}` },
    h("h2", { id: `title-${id}` }, title),
    h("p", { class: "muted" }, note),
    h("div", { class: "snippet-box" }, pre, copy),
  );
}
