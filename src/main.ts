#!/usr/bin/env bun
// quiver's command line. This entry file has no value exports on purpose: in a
// bytecode-compiled binary an exported `fetch`/`app` would make Bun auto-serve it.
import { renderCliError } from "./cli/errors.ts";

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

// Each command's module is loaded when that command runs, so start-up evaluates what the
// command uses rather than the whole program.
// biome-ignore lint/suspicious/noConfusingVoidType: commands that return nothing exit 0
type Run = (argv: string[]) => Promise<number | void> | number | void;
type Command = () => Promise<{ run: Run; help?: string }>;
const commands: Record<string, Command> = {
  serve: async () => {
    const m = await import("./cli/serve.ts");
    return { run: m.serve, help: m.serveHelp };
  },
  token: async () => {
    const m = await import("./cli/token.ts");
    return { run: m.token, help: m.tokenHelp };
  },
  index: async () => {
    const m = await import("./cli/index.ts");
    return { run: m.indexCommand, help: m.indexHelp };
  },
  search: async () => {
    const m = await import("./cli/search.ts");
    return { run: m.searchCommand, help: m.searchHelp };
  },
  tools: async () => ({
    run: (await import("./cli/misc.ts")).listTools,
    help: "quiver tools [--json] [--tools DIR]... [--tools-config FILE]",
  }),
  mcp: async () => {
    const m = await import("./cli/mcp.ts");
    return { run: m.mcp, help: m.mcpHelp };
  },
  healthcheck: async () => ({
    run: (await import("./cli/misc.ts")).healthcheck,
    help: "quiver healthcheck [--host H] [--port P]",
  }),
  check: async () => {
    const m = await import("./cli/check.ts");
    return { run: m.check, help: m.checkHelp };
  },
  version: async () => ({ run: (await import("./cli/misc.ts")).version }),
  worker: async () => {
    const m = await import("./cli/worker.ts");
    return { run: m.worker, help: m.workerHelp };
  },
  init: async () => {
    const m = await import("./cli/user-tools.ts");
    return { run: m.init, help: m.initHelp };
  },
  types: async () => {
    const m = await import("./cli/user-tools.ts");
    return { run: m.types, help: m.typesHelp };
  },
  test: async () => {
    const m = await import("./cli/user-tools.ts");
    return { run: m.test, help: m.testHelp };
  },
};

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === "help" || name === "--help" || name === "-h") {
    process.stdout.write(`${HELP}\n`);
    return name ? 0 : 2;
  }
  if (name === "--version" || name === "-v") {
    (await import("./cli/misc.ts")).version();
    return 0;
  }
  const load = commands[name];
  if (!load) {
    process.stderr.write(`quiver: unknown command "${name}"\n\n${HELP}\n`);
    return 2;
  }
  const command = await load();
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
