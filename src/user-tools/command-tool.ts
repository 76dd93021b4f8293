/*
 * Command tools: a program run with an argv array (never a shell), `{param}` placeholders
 * filled from the validated parameters. The program, its working directory and the
 * environment it sees are fixed in the config; output is capped; a non-zero exit, a
 * signal or the tool's own timeout is a tool error.
 */

import { QuiverError } from "../errors.ts";
import type { AnyTool, ToolContext } from "../tools/define.ts";
import { fill, type Piece, paramsOf, parseTemplate, valueText } from "./template.ts";

export interface CommandToolSpec {
  base: Omit<AnyTool, "run">;
  /** argv[0] resolved to an absolute path at start. */
  program: string;
  args: string[];
  cwd: string;
  /** Names of quiver's environment variables the program sees (nothing else). */
  env: string[];
  timeoutMs?: number;
  maxOutputBytes: number;
}

const MAX_STDERR_CHARS = 2000;

export function commandTool(spec: CommandToolSpec, where: string): AnyTool {
  const params = new Set(Object.keys(spec.base.input.properties));
  const args: Piece[][] = spec.args.map((arg) => parseTemplate(arg));
  for (const name of args.flatMap(paramsOf))
    if (!params.has(name))
      throw new Error(`${where}: argv uses {${name}}, which is not a parameter in input`);
  return {
    ...spec.base,
    run: (values, ctx) => runCommand(spec, args, values as Record<string, unknown>, ctx),
  };
}

/** The argv for one call. A lone `{x}` whose value starts with "-" would be read as an option: refused. */
export function argvFor(
  spec: CommandToolSpec,
  args: Piece[][],
  values: Record<string, unknown>,
): string[] {
  const argv = [spec.program];
  for (const pieces of args) {
    const lone = pieces.length === 1 && "param" in pieces[0]! ? pieces[0].param : undefined;
    if (lone !== undefined) {
      const text = valueOrBad(values[lone], lone);
      if (text === undefined) continue; // an absent optional parameter drops its argument
      if (text.startsWith("-"))
        throw new QuiverError(
          400,
          "invalid_parameters",
          `parameters.${lone}: must not start with "-"`,
        );
      argv.push(text);
    } else argv.push(fill(pieces, values));
  }
  return argv;
}

function valueOrBad(value: unknown, name: string): string | undefined {
  try {
    return valueText(value, name);
  } catch (err) {
    throw new QuiverError(
      400,
      "invalid_parameters",
      `parameters.${name}: ${(err as Error).message}`,
    );
  }
}

async function runCommand(
  spec: CommandToolSpec,
  args: Piece[][],
  values: Record<string, unknown>,
  ctx: ToolContext,
) {
  const argv = argvFor(spec, args, values);
  const env: Record<string, string> = {};
  for (const name of spec.env) if (process.env[name] !== undefined) env[name] = process.env[name]!;
  const proc = Bun.spawn(argv, {
    cwd: spec.cwd,
    env,
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  let timedOut = false;
  const kill = () => proc.kill("SIGKILL");
  const timer = spec.timeoutMs
    ? setTimeout(() => {
        timedOut = true;
        kill();
      }, spec.timeoutMs)
    : undefined;
  ctx.signal.addEventListener("abort", kill, { once: true });
  try {
    const [out, err] = await Promise.all([
      capped(proc.stdout, spec.maxOutputBytes, kill),
      capped(proc.stderr, spec.maxOutputBytes, kill),
    ]);
    const code = await proc.exited;
    if (timedOut)
      throw new QuiverError(
        504,
        "tool_timeout",
        `"${spec.base.name}" took longer than ${spec.timeoutMs! / 1000}s and was stopped`,
      );
    if (ctx.signal.aborted) throw ctx.signal.reason;
    if (out.truncated || err.truncated)
      return { exit_code: code, stdout: out.text, stderr: err.text, truncated: true };
    if (code !== 0)
      throw new QuiverError(
        422,
        "tool_error",
        `"${spec.base.name}" exited with ${proc.signalCode ?? `status ${code}`}: ${err.text.slice(-MAX_STDERR_CHARS) || "(no stderr)"}`,
      );
    return { exit_code: 0, stdout: out.text, stderr: err.text, truncated: false };
  } finally {
    clearTimeout(timer);
    ctx.signal.removeEventListener("abort", kill);
  }
}

/** A stream read up to `max` bytes; past that the process is stopped (its output would be cut anyway). */
export async function capped(
  stream: ReadableStream<Uint8Array>,
  max: number,
  stop: () => void,
): Promise<{ text: string; truncated: boolean }> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  let truncated = false;
  for await (const chunk of stream) {
    if (size + chunk.length > max) {
      chunks.push(chunk.subarray(0, max - size));
      size = max;
      truncated = true;
      stop();
      break;
    }
    chunks.push(chunk);
    size += chunk.length;
  }
  return { text: new TextDecoder().decode(Buffer.concat(chunks)), truncated };
}
