/**
 * The `qms` CLI (`bin/qms.js` runs it, from qms's CommonJS build or as an ES module, answering `qms --version` alone itself). Each
 * command loads what it needs, so `--version` never touches the config and `qms list` never
 * loads zx, listr2 or plugin internals; a bare `qms list` does not even load commander. Exit codes: 0 ok, 1 a task failed,
 * 2 usage or config error, 130 interrupted.
 */
import type { Command as CommandType } from 'commander';
import { packageVersion } from '../../plugins/mcp-server/package-root.js';
import { loadVendored } from '../cjs.js';
import type { PluginCommandEntry } from './commands/plugin-command.js';
import type { GlobalOptions } from './global-options.js';
import { withDoubleDash } from './operands.js';
import { EXIT, reportError } from './report-error.js';

type Command = CommandType;
/** commander, loaded when a command line needs parsing. */
const commander = () => loadVendored<typeof import('commander')>('commander');

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) {
    const { InvalidArgumentError } = commander();
    throw new InvalidArgumentError('expected a positive integer');
  }
  return n;
}

type Action = (cmd: Command) => Promise<number>;

/** `argv`: the full command line (as `process.argv`), for the `--` commander drops from operands. */
export function buildProgram(setExit: (code: number) => void, argv: readonly string[] = process.argv, plugins: readonly PluginCommandEntry[] = []): Command {
  const { Command, Option } = commander();
  const program = new Command('qms')
    .description('Plugin-based task runner: brings up, verifies and tears down a Docker environment for Claude Code agents on a QMS repository.')
    .version(packageVersion(), '-V, --version', 'print the version')
    .option('-c, --config <path>', 'config file (default: qms.config.{ts,mts,js,mjs} in the working directory)')
    .option('--json', 'machine-readable output (NDJSON events for runs)')
    .option('-n, --dry-run', 'print the plan in order, run nothing')
    .option('-j, --concurrency <n>', 'tasks run at once (default: the config\'s concurrency, else 8)', positiveInt)
    .option('-k, --keep-going', 'after a failure, go on with tasks that do not depend on it')
    .option('--force', 'redo work that is up to date (rebuild, recreate)')
    .addOption(new Option('--output <mode>', 'task output that stays: full, failed (on a terminal: shown whole after the run) or none').choices(['full', 'failed', 'none']))
    .configureHelp({ showGlobalOptions: true, sortSubcommands: false })
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();

  const act = (fn: Action) =>
    async function (this: Command) {
      setExit(await fn(this));
    };
  const globals = (cmd: Command) => cmd.optsWithGlobals<GlobalOptions>();
  const run = () => import('./commands/run.js');
  const plugin = (name: string, args: readonly string[], cmd: Command) =>
    import('./commands/plugin-command.js').then((m) => {
      const { config: _c, json: _j, dryRun: _d, concurrency: _n, keepGoing: _k, force: _f, output: _o, ...flags } = cmd.optsWithGlobals<Record<string, string | boolean | undefined>>();
      return m.pluginCommand(globals(cmd), name, withDoubleDash(args, argv, name), flags);
    });

  program
    .command('up')
    .description('run the `up` chain (auth, build, MCP servers, session, containers, verify, attach) for the agents named (default: the whole roster)')
    .argument('[agents...]', 'agents of the config\'s roster, e.g. `qms up qa` (default: all of them); on a terminal, attach to the first')
    .option('--no-attach', 'leave out interactive tasks (do not attach to the agent)')
    .option('--start-engine', 'start a Docker engine without asking when none answers (needed in CI and without a terminal)')
    .action(
      act(async (cmd) => {
        const { attach, startEngine } = cmd.opts<{ attach: boolean; startEngine?: boolean }>();
        const flags = { attach, startEngine: startEngine === true };
        return (await run()).runCommand(globals(cmd), { chain: 'up', agents: cmd.args, exclude: attach ? undefined : (t) => t.interactive === true, flags });
      }),
    );
  program
    .command('down')
    .description('run the `down` chain: remove the named agents\' containers (default: all; the MCP servers stop when no agent is left); keeps going after a failure')
    .argument('[agents...]', 'agents to take down (default: everything)')
    .option('--volumes', 'also remove volumes (e.g. the agent\'s Claude config)')
    .action(act(async (cmd) => (await run()).runCommand(globals(cmd), { chain: 'down', agents: cmd.args, keepGoing: true, flags: { volumes: cmd.opts<{ volumes?: boolean }>().volumes === true } })));
  program
    .command('task')
    .description('run the named tasks (or chains) and what they depend on')
    .argument('<names...>', 'task or chain names (see `qms list`)')
    .action(act(async (cmd) => (await run()).runCommand(globals(cmd), { targets: cmd.args })));
  program
    .command('list')
    .description('list the tasks (plugin, dependencies, description) and the chains')
    .action(act(async (cmd) => (await import('./commands/list.js')).listCommand(globals(cmd))));
  program
    .command('graph')
    .description('print the task graph')
    .argument('[targets...]', 'only these tasks and their dependencies')
    .addOption(new Option('--format <format>', 'output format').choices(['mermaid', 'dot', 'json']))
    .action(act(async (cmd) => (await import('./commands/graph.js')).graphCommand(globals(cmd), cmd.args, cmd.opts<{ format?: string }>().format)));
  program
    .command('init')
    .description('write a commented qms.config.ts for the project here (never overwrites one; --dry-run prints it)')
    .action(act(async (cmd) => (await import('./commands/init.js')).initCommand(globals(cmd))));
  program
    .command('completion')
    .description('print a shell completion script: commands, options, task, chain and agent names (e.g. source <(qms completion bash))')
    .argument('<shell>', 'bash, zsh or fish')
    .action(
      act(async (cmd) => {
        process.stdout.write((await import('./commands/completion.js')).completionScript(cmd.args[0]!));
        return EXIT.ok;
      }),
    );
  program
    .command('status')
    .description('what the state store records, each entry checked live by its plugin')
    .action(act(async (cmd) => (await import('./commands/status.js')).statusCommand(globals(cmd))));
  program
    .command('serve')
    .description('run a built-in server in the foreground (git-mcp, qms-mcp, or api: the project API and dashboard); options pass through')
    .argument('<server>', 'git-mcp, qms-mcp or api')
    .argument('[args...]', 'the server\'s own options, e.g. --project-root DIR --port 8001 (`qms serve <server> --help` for the server\'s own help)')
    .allowUnknownOption()
    .allowExcessArguments()
    .action(act(async (cmd) => (await import('./commands/serve.js')).serveCommand(cmd.args[0]!, cmd.args.slice(1))));
  for (const entry of plugins) {
    const c = program.command(entry.name).description(`${entry.command.description} (${entry.plugin} plugin)`);
    if (entry.command.usage) c.arguments(entry.command.usage);
    else c.argument('[args...]', 'passed to the command as given').allowUnknownOption();
    for (const o of entry.command.options ?? []) c.option(o.flags, o.description);
    c.action(act((cmd) => plugin(entry.name, cmd.args, cmd)));
  }
  return program;
}

/** Commands of qms itself; a plugin command of the same name is not registered. */
export const BUILTIN_COMMANDS: ReadonlySet<string> = new Set(['up', 'down', 'task', 'list', 'graph', 'init', 'status', 'serve', 'completion', 'help', '__complete']);
/** Global options that take a value (to find the command word in argv before commander parses it). */
const VALUE_OPTIONS = new Set(['-c', '--config', '-j', '--concurrency', '--output']);

/** The command word of argv and the `--config` value, read before commander parses. */
export function scanArgv(argv: readonly string[]): { command: string | undefined; config: string | undefined; version: boolean } {
  let config: string | undefined;
  let version = false;
  for (let i = 2; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') return { command: undefined, config, version };
    if (a.startsWith('--config=')) config = a.slice('--config='.length);
    else if (VALUE_OPTIONS.has(a)) {
      if (a === '-c' || a === '--config') config = argv[i + 1];
      i++;
    } else if (a === '-V' || a === '--version') version = true;
    else if (!a.startsWith('-')) return { command: a, config, version };
  }
  return { command: undefined, config, version };
}

/**
 * The plugin commands to register: the config is loaded only when the command is not one of
 * qms's own (or for help and completion, which list them). For help a config that does not
 * load is no error (its commands are just not listed); for a plugin command it is.
 */
async function commandsFor(argv: readonly string[]): Promise<PluginCommandEntry[]> {
  const scanned = scanArgv(argv);
  const { command, version } = scanned;
  // For the completion helper the `--config` is among the words being completed.
  const config = command === '__complete' ? scanArgv(['', '', ...argv.slice(3)]).config : scanned.config;
  if (version && !command) return [];
  const listing = command === undefined || command === 'help' || command === 'completion' || command === '__complete';
  if (!listing && BUILTIN_COMMANDS.has(command)) return [];
  const [{ loadCliConfig }, { pluginCommands, unknownCommand }] = await Promise.all([import('./load-cli-config.js'), import('./commands/plugin-command.js')]);
  let loaded;
  try {
    loaded = await loadCliConfig({ config });
  } catch (err) {
    if (listing) return [];
    throw err;
  }
  const entries = pluginCommands(loaded, BUILTIN_COMMANDS);
  if (!listing && command !== undefined && !entries.some((e) => e.name === command)) {
    throw unknownCommand(command, [...BUILTIN_COMMANDS].filter((c) => !c.startsWith('_')).concat(entries.map((e) => e.name)), loaded);
  }
  return entries;
}

export async function main(argv: readonly string[] = process.argv): Promise<number> {
  // `qms serve` hands its options to the server untouched (they are not ours to parse).
  if (argv[2] === 'serve' && argv[3] && !argv[3].startsWith('-')) {
    try {
      return await (await import('./commands/serve.js')).serveCommand(argv[3], argv.slice(4));
    } catch (err) {
      return reportError(err);
    }
  }
  // A bare `qms list`: commander would parse it to this very call (no options, no operands).
  if (argv.length === 3 && argv[2] === 'list') {
    try {
      return await (await import('./commands/list.js')).listCommand({});
    } catch (err) {
      return reportError(err);
    }
  }
  let code: number = EXIT.ok;
  let plugins: PluginCommandEntry[];
  try {
    plugins = await commandsFor(argv);
  } catch (err) {
    return reportError(err);
  }
  const program = buildProgram((c) => (code = c), argv, plugins);
  // The completion scripts' helper: candidates for the words after `qms` (the last is being typed).
  if (argv[2] === '__complete') {
    const [{ completionCandidates }, { loadCliConfig }] = await Promise.all([import('./commands/completion.js'), import('./load-cli-config.js')]);
    const words = argv.slice(3);
    const config = await loadCliConfig({ config: scanArgv(['', '', ...words]).config }).catch(() => undefined);
    const current = words[words.length - 1] ?? '';
    process.stdout.write(completionCandidates(program, words, config).filter((c) => c.startsWith(current)).map((c) => `${c}\n`).join(''));
    return EXIT.ok;
  }
  try {
    await program.parseAsync([...argv]);
    return code;
  } catch (err) {
    if (err instanceof commander().CommanderError) {
      // Help and version exit 0; every other commander error is a usage error (already printed).
      return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    return reportError(err);
  }
}

/** Runs the command line and exits with its code (bin/qms.js calls it). */
export async function runCli(argv: readonly string[] = process.argv): Promise<void> {
  const code = await main(argv);
  // Let stdout drain; exit explicitly so a plugin's forgotten handle cannot keep us alive.
  process.exitCode = code;
  if (process.stdout.writableLength > 0) process.stdout.once('drain', () => process.exit(code));
  else process.exit(code);
}
