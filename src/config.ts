import { resolve } from "node:path";
import { QuiverError } from "./errors.ts";
import { normalizePrefix } from "./store/paths.ts";
import { TEST_BUILD } from "./test-build.ts";

/**
 * Server configuration: flags > environment > defaults, validated once at start.
 * Everything below the CLI receives a Config and never reads process.env itself.
 */
export interface Config {
  host: string;
  port: number;
  /** Absolute path of the data directory (SQLite database + blob store). */
  dataDir: string;
  /**
   * `--database` / QUIVER_DATABASE_URL: a postgres:// URL to keep everything in PostgreSQL
   * instead of the data directory's SQLite (issue 19); unset, SQLite as always.
   */
  databaseUrl?: string;
  /** Static admin token from QUIVER_TOKEN (the seed's SKILL_TOKEN pattern), if any. */
  staticToken?: string;
  /** Largest request body accepted, in bytes (JSON bodies and file uploads). */
  maxBodyBytes: number;
  /** Extra Origins allowed on /mcp besides the server's own. */
  allowedOrigins: string[];
  /** Directories under which `import_path` may read (none by default). */
  importRoots: string[];
  /** Imported files larger than this are skipped (import_path and quiver index). */
  maxImportFileBytes: number;
  /** Requests per second per token (bursts of 10×); 0 = unlimited. */
  rateLimit: number;
  /** A tool call running longer than this answers 504 (the work may still finish). */
  toolTimeoutMs: number;
  /** Finished jobs are pruned after this long. */
  jobRetentionMs: number;
  /** Print one JSON line per request on stderr. */
  logRequests: boolean;
  /** Directories of user tool modules (--tools, QUIVER_TOOLS); none unless the operator says so. */
  toolDirs: string[];
  /** Declarative user tools (--tools-config, QUIVER_TOOLS_CONFIG). */
  toolsConfig?: string;
  /** Where skills live: directories holding a SKILL.md below this prefix (ends in "/"). */
  skillsPrefix: string;
  /**
   * The URL clients reach this server at (`--public-url`), an origin without a path: the
   * OAuth issuer, and `<publicUrl>/mcp` the protected resource. Unset: OAuth is off.
   */
  publicUrl?: string;
  /** Client ID Metadata Document URLs may resolve to private/loopback addresses (testing). */
  oauthAllowPrivateClientUrls: boolean;
  /** Test build only: see holdForTests (test-build.ts). Always undefined in a release. */
  testHoldJobsFile?: string;
}

export const DEFAULT_PORT = 8080;
export const DEFAULT_HOST = "127.0.0.1";
export const DEFAULT_DATA_DIR = "quiver-data";
export const DEFAULT_SKILLS_PREFIX = "skills/";
export const DEFAULT_MAX_BODY_BYTES = 32 * 1024 * 1024;
/** Large files are streamed, never held whole: the limit bounds time and disk, not memory. */
export const DEFAULT_MAX_IMPORT_FILE_BYTES = 1024 * 1024 * 1024;

export class ConfigError extends Error {}

export interface ConfigFlags {
  host?: string;
  port?: string;
  data?: string;
  "max-body"?: string;
  "allow-origin"?: string[];
  "import-root"?: string[];
  "max-import-file"?: string;
  "job-retention"?: string;
  "rate-limit"?: string;
  "tool-timeout"?: string;
  "skills-prefix"?: string;
  quiet?: boolean;
  tools?: string[];
  "tools-config"?: string;
  "public-url"?: string;
  "oauth-allow-private-client-urls"?: boolean;
  database?: string;
}

type Env = Record<string, string | undefined>;

export function loadConfig(
  flags: ConfigFlags = {},
  env: Env = process.env,
  cwd = process.cwd(),
): Config {
  const host = flags.host ?? env.QUIVER_HOST ?? DEFAULT_HOST;
  if (!host.trim()) throw new ConfigError("host must not be empty");

  const portText = flags.port ?? env.QUIVER_PORT ?? String(DEFAULT_PORT);
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port < 0 || port > 65535)
    throw new ConfigError(`port must be an integer 0-65535, got "${portText}"`);

  const maxText = flags["max-body"] ?? env.QUIVER_MAX_BODY;
  const maxBodyBytes = maxText === undefined ? DEFAULT_MAX_BODY_BYTES : parseSize(maxText);

  const importMaxText = flags["max-import-file"] ?? env.QUIVER_MAX_IMPORT_FILE;
  const maxImportFileBytes =
    importMaxText === undefined ? DEFAULT_MAX_IMPORT_FILE_BYTES : parseSize(importMaxText);

  const staticToken = env.QUIVER_TOKEN?.trim() || undefined;
  if (staticToken !== undefined && staticToken.length < 16)
    throw new ConfigError(
      "QUIVER_TOKEN must be at least 16 characters (use `openssl rand -hex 32`)",
    );

  const list = (fromFlags: string[] | undefined, fromEnv: string | undefined) =>
    fromFlags?.length
      ? fromFlags
      : (fromEnv ?? "")
          .split(",")
          .map((s) => s.trim())
          .filter(Boolean);

  const retentionText = flags["job-retention"] ?? env.QUIVER_JOB_RETENTION ?? "7d";
  const retention = /^(\d+(?:\.\d+)?)(d|h|m|ms)?$/.exec(retentionText.trim());
  if (!retention)
    throw new ConfigError(
      `job retention must look like 7d, 12h, 30m or a number of ms, got "${retentionText}"`,
    );
  const unitMs = { d: 86_400_000, h: 3_600_000, m: 60_000, ms: 1 }[
    (retention[2] ?? "ms") as "d" | "h" | "m" | "ms"
  ];

  const rateText = flags["rate-limit"] ?? env.QUIVER_RATE_LIMIT ?? "100";
  if (!/^\d+$/.test(rateText))
    throw new ConfigError(
      `rate limit must be a whole number of requests per second (0 = off), got "${rateText}"`,
    );
  const timeoutText = flags["tool-timeout"] ?? env.QUIVER_TOOL_TIMEOUT ?? "60";
  if (!/^\d+(\.\d+)?$/.test(timeoutText) || Number(timeoutText) <= 0)
    throw new ConfigError(
      `tool timeout must be a positive number of seconds, got "${timeoutText}"`,
    );

  const toolsConfig = flags["tools-config"] ?? env.QUIVER_TOOLS_CONFIG;
  const skillsText = flags["skills-prefix"] ?? env.QUIVER_SKILLS_PREFIX ?? DEFAULT_SKILLS_PREFIX;
  let skillsPrefix: string;
  try {
    skillsPrefix = normalizePrefix(skillsText.endsWith("/") ? skillsText : `${skillsText}/`);
  } catch (err) {
    if (!(err instanceof QuiverError)) throw err;
    throw new ConfigError(`skills prefix ${JSON.stringify(skillsText)}: ${err.message}`);
  }
  const publicUrl = parsePublicUrl(flags["public-url"] ?? env.QUIVER_PUBLIC_URL);
  const databaseUrl = (flags.database ?? env.QUIVER_DATABASE_URL)?.trim() || undefined;
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\/./i.test(databaseUrl))
    throw new ConfigError(
      "--database must be a PostgreSQL URL, postgres://user:password@host:5432/database (or leave it unset for SQLite in the data directory)",
    );
  const allowPrivate =
    flags["oauth-allow-private-client-urls"] ??
    /^(1|true|yes)$/i.test(env.QUIVER_OAUTH_ALLOW_PRIVATE_CLIENT_URLS ?? "");

  return {
    host,
    port,
    dataDir: resolve(cwd, flags.data ?? env.QUIVER_DATA ?? DEFAULT_DATA_DIR),
    ...(databaseUrl ? { databaseUrl } : {}),
    staticToken,
    maxBodyBytes,
    allowedOrigins: list(flags["allow-origin"], env.QUIVER_ALLOWED_ORIGINS),
    importRoots: list(flags["import-root"], env.QUIVER_IMPORT_ROOTS).map((p) => resolve(cwd, p)),
    maxImportFileBytes,
    jobRetentionMs: Number(retention[1]) * unitMs,
    rateLimit: Number(rateText),
    toolTimeoutMs: Number(timeoutText) * 1000,
    logRequests: !flags.quiet,
    toolDirs: list(flags.tools, env.QUIVER_TOOLS).map((p) => resolve(cwd, p)),
    ...(toolsConfig ? { toolsConfig: resolve(cwd, toolsConfig) } : {}),
    skillsPrefix,
    ...(publicUrl ? { publicUrl } : {}),
    oauthAllowPrivateClientUrls: allowPrivate,
    ...(TEST_BUILD && env.QUIVER_TEST_HOLD_JOBS
      ? { testHoldJobsFile: resolve(cwd, env.QUIVER_TEST_HOLD_JOBS) }
      : {}),
  };
}

/**
 * `--public-url`: https (http only for a loopback host, for trying it on one machine: RFC
 * 8414 issuers are https), an origin only — the metadata lives at the host's root
 * (`/.well-known/...`), which a path prefix would move.
 */
function parsePublicUrl(text: string | undefined): string | undefined {
  if (text === undefined || text.trim() === "") return undefined;
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    throw new ConfigError(
      `--public-url must be a URL such as https://quiver.example.com, got "${text}"`,
    );
  }
  const loopback = isLoopback(url.hostname);
  if (url.protocol !== "https:" && !(url.protocol === "http:" && loopback))
    throw new ConfigError(
      `--public-url must be https (http is accepted only for localhost/127.0.0.1), got "${text}"`,
    );
  if ((url.pathname !== "/" && url.pathname !== "") || url.search || url.hash || url.username)
    throw new ConfigError(
      `--public-url must be an origin without a path, query or credentials (https://host[:port]), got "${text}"`,
    );
  return url.origin;
}

/** "32MiB", "10mb", "1048576" → bytes. */
export function parseSize(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(b|k|kb|kib|m|mb|mib|g|gb|gib)?\s*$/i.exec(text);
  if (!m) throw new ConfigError(`size must look like 1048576, 512KiB or 32MiB, got "${text}"`);
  const unit = (m[2] ?? "b").toLowerCase()[0];
  const factor = unit === "k" ? 1024 : unit === "m" ? 1024 ** 2 : unit === "g" ? 1024 ** 3 : 1;
  const bytes = Math.floor(Number(m[1]) * factor);
  if (bytes < 1024) throw new ConfigError(`size must be at least 1 KiB, got "${text}"`);
  return bytes;
}

export function isLoopback(host: string): boolean {
  return (
    host === "localhost" || host === "::1" || host === "[::1]" || /^127\.\d+\.\d+\.\d+$/.test(host)
  );
}
