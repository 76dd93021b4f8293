/*
 * User tools while a server runs: loaded at start (a failure stops the start), reloaded
 * on SIGHUP or, with --watch, when a file in a tools directory changes. A reload builds a
 * complete new registry first and swaps it in only if everything loaded — a broken file
 * leaves the old tools serving — then tells MCP sessions (services.changes → tools
 * list_changed). The old workers finish the calls they have and stop.
 */

import { type FSWatcher, watch } from "node:fs";
import { logError, logInfo } from "../log.ts";
import type { Services } from "../tools/define.ts";
import { loadConfigTools } from "./config-tools.ts";
import type { ToolHost } from "./host.ts";
import { type LoadedTools, loadUserTools, type UserToolSources } from "./load.ts";

const WATCH_DEBOUNCE_MS = 200;

export class UserToolsRuntime {
  private hosts: ToolHost[];
  private reloading: Promise<boolean> = Promise.resolve(true);
  private watchers: FSWatcher[] = [];

  private constructor(
    private readonly services: Pick<Services, "tools" | "changes">,
    private readonly sources: UserToolSources,
    loaded: LoadedTools,
  ) {
    this.hosts = loaded.hosts;
    services.tools = loaded.registry;
  }

  /** Undefined when no user tools are configured (nothing loads without --tools). */
  static async start(
    services: Pick<Services, "tools" | "changes">,
    sources: UserToolSources,
    opts: { quiet?: boolean } = {},
  ): Promise<UserToolsRuntime | undefined> {
    if (!sources.dirs.length && !sources.configFile) return undefined;
    const runtime = new UserToolsRuntime(services, sources, await load(sources));
    if (!opts.quiet)
      logInfo("user tools loaded", { tools: services.tools.names.length, dirs: sources.dirs });
    return runtime;
  }

  /** Resolves true when the new tools serve, false when the old ones stay (logged why). */
  reload(): Promise<boolean> {
    this.reloading = this.reloading.then(async () => {
      let loaded: LoadedTools;
      try {
        loaded = await load(this.sources);
      } catch (err) {
        logError("user tools not reloaded; the previous ones keep serving", { error: err });
        return false;
      }
      const old = this.hosts;
      this.hosts = loaded.hosts;
      this.services.tools = loaded.registry;
      for (const host of old) host.retire();
      logInfo("user tools reloaded", { tools: loaded.registry.names });
      this.services.changes.emit({ kind: "tools" });
      return true;
    });
    return this.reloading;
  }

  /** Reloads when a file in a tools directory (or the tools config) changes. */
  watch(): void {
    let timer: Timer | undefined;
    const later = () => {
      clearTimeout(timer);
      timer = setTimeout(() => void this.reload(), WATCH_DEBOUNCE_MS);
    };
    const paths = [
      ...this.sources.dirs,
      ...(this.sources.configFile ? [this.sources.configFile] : []),
    ];
    for (const path of paths) this.watchers.push(watch(path, later));
  }

  close(): void {
    for (const w of this.watchers) w.close();
    for (const host of this.hosts) host.close();
  }
}

const load = (sources: UserToolSources) => loadUserTools(sources, loadConfigTools);
