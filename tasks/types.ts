/**
 * The public contract between the engine (`tasks/`) and plugins (`plugins/<name>/`).
 * A plugin is a factory returning a plain `Plugin` object; the engine resolves the user's
 * config into a `ResolvedConfig`, builds the task graph and hands each task a `TaskContext`.
 */
import type { Shell } from 'zx';

export type Env = Readonly<Record<string, string>>;

/** Writes into the output of the task (or command) it was given to; every line is redacted. */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  /** Raw output, e.g. a child's stdout or a build log; may hold several lines. */
  output(text: string): void;
}

/** One record of something meant to outlive the run (an MCP server process, a container). */
export interface StateEntry {
  /** Unique key, e.g. `process:mcp:qms` or `container:claude`. */
  id: string;
  /** What it is: `process`, `container`, … */
  kind: string;
  /** Name of the plugin that owns it (the one whose `status` checks it live). */
  plugin: string;
  /** ISO time of creation. */
  createdAt: string;
  /** Plugin-specific, JSON-serialisable, never a secret. */
  data: Record<string, unknown>;
}

/** `.qms/state.json` under the project root: atomic writes, guarded by a cross-process lock. */
export interface StateStore {
  readonly file: string;
  list(filter?: { kind?: string; plugin?: string }): Promise<StateEntry[]>;
  get(id: string): Promise<StateEntry | undefined>;
  put(entry: StateEntry): Promise<void>;
  remove(id: string): Promise<void>;
  /** Exclusive named lock shared by all `qms` processes of this project (e.g. one `up` at a time). */
  withLock<T>(name: string, fn: () => Promise<T>, options?: { timeoutMs?: number }): Promise<T>;
}

/** Flags of the current command that tasks may read. */
export interface RunOptions {
  /** `--force`: redo up-to-date work (rebuild an image, recreate a container). */
  readonly force: boolean;
  readonly dryRun: boolean;
  readonly keepGoing: boolean;
  readonly concurrency: number;
  /**
   * The agents this run acts for (`qms up qa` → `['qa']`): a subset of `config.agents`, in the
   * order the user named them; the whole roster when none were named.
   */
  readonly agents: readonly string[];
  /** Other command flags, e.g. `{ volumes: true }` for `qms down --volumes`. */
  readonly flags: Readonly<Record<string, string | boolean | undefined>>;
}

/** What plugin commands and status hooks get: the project, its env and its state. */
export interface PluginContext {
  /** Absolute path of the project root (the config file's folder). */
  readonly root: string;
  readonly config: ResolvedConfig;
  /** The config's `.env` files with `process.env` on top (a variable set in the shell wins). */
  readonly env: Env;
  readonly log: Logger;
  readonly signal: AbortSignal;
  readonly state: StateStore;
  /** Register a value (e.g. a generated token) to be redacted from all output from now on. */
  addSecret(value: string): void;
}

/** What a task's `run` gets. */
export interface TaskContext extends PluginContext {
  /** This task's name. */
  readonly name: string;
  /** zx's `$`, bound to the project root and the run's abort signal. */
  readonly $: Shell;
  readonly options: RunOptions;
  /** The value returned by `run` of a task this one depends on (directly or not). */
  result<T = unknown>(task: string): T | undefined;
  /**
   * Register how to undo something this run started. Teardowns run in reverse order when the
   * run fails or is interrupted (SIGINT/SIGTERM); with `{ always: true }` also after success.
   */
  onTeardown(label: string, fn: () => Promise<void> | void, options?: { always?: boolean }): void;
  /**
   * End the task as skipped ("already up to date"), with the reason shown to the user.
   * `result`, if given, is what `ctx.result(name)` returns to dependents (e.g. an existing image).
   */
  skip(reason: string, result?: unknown): never;
}

export interface TaskDef<R = unknown> {
  name: string;
  description?: string;
  dependsOn?: readonly string[];
  /** Milliseconds before the task is aborted and fails. */
  timeout?: number;
  /** Extra attempts after a failure (not after a timeout caused by the run's abort). */
  retries?: number;
  /** Return a reason when there is nothing to do; the task is then reported as skipped. */
  upToDate?: (ctx: TaskContext) => Promise<string | false | undefined> | string | false | undefined;
  run: (ctx: TaskContext) => Promise<R> | R;
  /** Needs the user's terminal (e.g. `attach`): rendering stops before it runs; `--no-attach` leaves it out. */
  interactive?: boolean;
  /**
   * The task calls `console` (if at all) only from code its `run`/`upToDate` awaits, never from a
   * timer or event callback it leaves running: its console lines are then told apart by their
   * stack alone, without AsyncLocalStorage, whose promise hooks slow every promise of the run
   * (tasks/run/task-console.ts). A callback's console call is then not the task's output.
   */
  awaitedConsole?: boolean;
  /**
   * Runs before the run starts drawing, while the terminal is free (tasks/run/preflight.ts):
   * e.g. ask before starting a service every task needs. Throwing stops the run before any task.
   */
  preflight?: (ctx: PreflightContext) => Promise<void> | void;
  /**
   * Files this task reads (globs relative to the root, `!glob` to leave some out). With them,
   * the task is skipped while their contents (and `inputs`) match its last successful run and
   * its `outputs` exist; `--force` runs it anyway. The record is kept in `.qms/tasks/`.
   */
  sources?: readonly string[];
  /** Files this task writes (globs relative to the root): each must match a file for a skip. */
  outputs?: readonly string[];
  /** Anything else the result depends on (e.g. a plugin's options), JSON-serialisable: hashed with the sources. */
  inputs?: unknown;
}

/** What a task's `preflight` gets. */
export interface PreflightContext extends PluginContext {
  /** The task's name. */
  readonly name: string;
  /** The user can be asked: stdin and stdout are a terminal, `CI` is unset, no `--json`. */
  readonly terminal: boolean;
  /** The command's flags, e.g. `{ startEngine: true }` for `qms up --start-engine`. */
  readonly flags: Readonly<Record<string, string | boolean | undefined>>;
}

/** One live-checked line of `qms status`. */
export interface StatusRow {
  plugin: string;
  id: string;
  kind: string;
  /** e.g. `running`, `stopped`, `stale` (the record no longer matches reality and was cleaned). */
  state: string;
  healthy: boolean;
  details: Record<string, string | number | boolean | null>;
}

/** A CLI command a plugin provides (e.g. `exec`, `refresh`, `logs`); returns the exit code. */
export interface PluginCommand {
  description: string;
  /**
   * Its operands as in a usage line, e.g. `'<agent> [cmd...]'` (commander syntax); shown in
   * `--help` and checked. Without it the command takes any operands and options, passed on raw.
   */
  usage?: string;
  /** Its own options, e.g. `{ flags: '-f, --follow', description: 'keep printing new lines' }`; they arrive in `flags` (camelCase). */
  options?: ReadonlyArray<{ flags: string; description: string }>;
  run(ctx: PluginContext, args: readonly string[], flags: Readonly<Record<string, string | boolean | undefined>>): Promise<number>;
}

export interface Plugin {
  name: string;
  tasks: TaskDef[];
  /** Live check of this plugin's state entries, for `qms status`; cleans stale records. */
  status?: (ctx: PluginContext) => Promise<StatusRow[]>;
  commands?: Record<string, PluginCommand>;
}

/** What a user writes in `qms.config.ts` (see `defineConfig`). */
export interface UserConfig {
  /** Project name used in container names and labels; defaults to the root folder's name. */
  name?: string;
  /** Falsy entries are ignored, so `cond && plugin()` works. */
  plugins?: ReadonlyArray<Plugin | false | null | undefined>;
  tasks?: readonly TaskDef[];
  /** Named task lists, e.g. `{ up: [...], down: [...] }`; `qms up` runs the `up` chain. */
  chains?: Readonly<Record<string, readonly string[]>>;
  /** Extra dotenv files (relative to the root) loaded after `.env`; a missing one is an error. */
  envFiles?: readonly string[];
  /** Default for `--concurrency`. */
  concurrency?: number;
  /**
   * The roster: the agents (QMS users) of this project, e.g. `['claude', 'qa', 'tu_ui']`; the
   * first is the initiator. Each must be `claude`, `lead` or have `.claude/agents/<name>.md`.
   * Default `['claude']`. Plugins read it as `ctx.config.agents`.
   */
  agents?: readonly string[];
}

export interface ResolvedTask extends TaskDef {
  /** The plugin that contributed it, or undefined for the config's own tasks. */
  plugin: string | undefined;
  dependsOn: readonly string[];
}

export interface ResolvedConfig {
  /** Absolute path of the loaded config file. */
  file: string;
  root: string;
  name: string;
  plugins: readonly Plugin[];
  tasks: ReadonlyMap<string, ResolvedTask>;
  chains: Readonly<Record<string, readonly string[]>>;
  envFiles: readonly string[];
  concurrency: number;
  /** The roster (see `UserConfig.agents`), never empty. */
  agents: readonly string[];
}
