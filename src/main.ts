#!/usr/bin/env bun
// quiver's command line. This entry file has no value exports on purpose: in a
// bytecode-compiled binary an exported `fetch`/`app` would make Bun auto-serve it.
import { check, checkHelp } from "./cli/check.ts";
import { renderCliError } from "./cli/errors.ts";
import { indexCommand, indexHelp } from "./cli/index.ts";
import { mcp, mcpHelp } from "./cli/mcp.ts";
import { healthcheck, listTools, version } from "./cli/misc.ts";
import { searchCommand, searchHelp } from "./cli/search.ts";
import { serve, serveHelp } from "./cli/serve.ts";
import { token, tokenHelp } from "./cli/token.ts";
import { init, initHelp, test, testHelp, types, typesHelp } from "./cli/user-tools.ts";
import { worker, workerHelp } from "./cli/worker.ts";

const HELP = `quiver — a single-binary tool server for LLM tool use

Usage: quiver <command> [options]

Commands:
  serve        serve the tools over HTTP (REST + MCP)       quiver serve --help
  token        create, list or revoke bearer tokens         quiver token --help
  index        import a directory tree and index it         quiver index --help
  search       full-text search over the stored files       quiver search --help
  tools        list the tools (--json: Claude definitions)
  mcp          serve the tools over MCP on stdin/stdout     quiver mcp --help
  init         start a project for your own tools            quiver init --help
  types        write .quiver/ (types for your tools' editor)
  test         run bun test on your tools (no Bun install needed)
  check        verify (and --repair) the data directory
  healthcheck  exit 0 when the local server answers /healthz
  version      print quiver's and Bun's versions
  worker       run background jobs (serve starts one itself)
  help         this text

Data lives in ./quiver-data unless --data or QUIVER_DATA says otherwise; serve, mcp and
index create it, the other commands need an existing one.
Exit codes: 0 done; 1 not done, with one line saying why (search: no matches); 2 wrong command line.`;

const commands: Record<
  string,
  // biome-ignore lint/suspicious/noConfusingVoidType: commands that return nothing exit 0
  { run: (argv: string[]) => Promise<number | void> | number | void; help?: string }
> = {
  serve: { run: serve, help: serveHelp },
  token: { run: token, help: tokenHelp },
  index: { run: indexCommand, help: indexHelp },
  search: { run: searchCommand, help: searchHelp },
  tools: { run: listTools, help: "quiver tools [--json] [--tools DIR]... [--tools-config FILE]" },
  mcp: { run: mcp, help: mcpHelp },
  healthcheck: { run: healthcheck, help: "quiver healthcheck [--host H] [--port P]" },
  check: { run: check, help: checkHelp },
  version: { run: version },
  worker: { run: worker, help: workerHelp },
  init: { run: init, help: initHelp },
  types: { run: types, help: typesHelp },
  test: { run: test, help: testHelp },
};

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === "help" || name === "--help" || name === "-h") {
    process.stdout.write(`${HELP}\n`);
    return name ? 0 : 2;
  }
  if (name === "--version" || name === "-v") {
    version();
    return 0;
  }
  const command = commands[name];
  if (!command) {
    process.stderr.write(`quiver: unknown command "${name}"\n\n${HELP}\n`);
    return 2;
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    process.stdout.write(`${command.help ?? `quiver ${name}`}\n`);
    return 0;
  }
  const code = await command.run(rest);
  return typeof code === "number" ? code : 0;
}

try {
  const code = await main(process.argv.slice(2));
  // `serve` keeps running; everything else exits with its code.
  if (process.argv[2] !== "serve" && process.argv[2] !== "worker") process.exit(code);
} catch (err) {
  const rendered = renderCliError(err);
  if (!rendered) throw err;
  process.stderr.write(`quiver: ${rendered.line}\n`);
  process.exit(rendered.exitCode);
}
