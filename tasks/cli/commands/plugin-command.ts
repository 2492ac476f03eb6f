/**
 * Commands provided by plugins (`Plugin.commands`): the CLI registers each loaded plugin's
 * commands (its usage and options shown in `--help`) and dispatches them here, with the
 * operands in order and the flags. The engine knows no plugin or command by name.
 * `--dry-run` says what would run and runs nothing.
 */
import { ConfigError } from '../../errors.js';
import { didYouMean } from '../../graph/suggest.js';
import { formatFailure, Interrupted, withoutOwnPrefix } from '../../run/failure.js';
import type { Plugin, PluginCommand, ResolvedConfig } from '../../types.js';
import type { GlobalOptions } from '../global-options.js';
import { openProject } from '../project.js';
import { handleSignals } from '../signals.js';

export interface PluginCommandEntry {
  name: string;
  plugin: string;
  command: PluginCommand;
}

/** The commands of the config's plugins (the first plugin declaring a name wins), minus `reserved` names. */
export function pluginCommands(config: ResolvedConfig, reserved: ReadonlySet<string>): PluginCommandEntry[] {
  const out = new Map<string, PluginCommandEntry>();
  for (const p of config.plugins as readonly Plugin[]) {
    for (const [name, command] of Object.entries(p.commands ?? {})) {
      if (!reserved.has(name) && !out.has(name)) out.set(name, { name, plugin: p.name, command });
    }
  }
  return [...out.values()];
}

/** `qms frob`: no built-in command and no loaded plugin provides it. */
export function unknownCommand(name: string, known: readonly string[], config: ResolvedConfig | undefined): ConfigError {
  return new ConfigError(
    `unknown command "${name}"${didYouMean(name, known)}`,
    config
      ? `run \`qms --help\` for the commands; a plugin's commands are there once it is in the plugins of ${config.file}`
      : 'run `qms --help` for the commands (plugin commands need a config that loads)',
    config?.file,
  );
}

export async function pluginCommand(
  globals: GlobalOptions,
  name: string,
  args: readonly string[],
  flags: Record<string, string | boolean | undefined>,
): Promise<number> {
  const project = await openProject(globals);
  const plugin = project.config.plugins.find((p) => p.commands?.[name]);
  const command = plugin?.commands?.[name];
  if (!plugin || !command) throw unknownCommand(name, [], project.config);
  if (globals.dryRun) {
    const set = Object.entries(flags).filter(([, v]) => v !== undefined && v !== false);
    process.stdout.write(
      `Dry run: nothing was run. Would run \`qms ${[name, ...args].join(' ')}\`${set.length ? ` with ${set.map(([k, v]) => (v === true ? k : `${k}=${String(v)}`)).join(', ')}` : ''}: ${command.description} (${plugin.name} plugin)\n`,
    );
    return 0;
  }
  const controller = new AbortController();
  const signals = handleSignals(controller);
  try {
    return await command.run(project.pluginContext(controller.signal), args, { ...flags, json: globals.json, force: globals.force });
  } catch (err) {
    // After Ctrl-C, whatever the command fails with (the abort reason, a destroyed stream…) is
    // the interrupt, not a bug: exit 130 without a stack.
    if (controller.signal.reason instanceof Interrupted) throw controller.signal.reason;
    // Name the plugin and command once (the plugin may have put its name in already), keeping
    // the error's tier (known errors stay stack-free).
    if (err instanceof Error) err.message = formatFailure({ plugin: plugin.name, task: name, reason: withoutOwnPrefix(err.message, plugin.name, name) });
    throw err;
  } finally {
    signals.dispose();
  }
}
