/**
 * Commands provided by plugins (`exec`, `refresh`, `stop`, `attach`, `logs`, `call`, `verify`): dispatched to
 * the first loaded plugin that declares it, with the operands in order and the flags.
 */
import { ConfigError } from '../../errors.js';
import { formatFailure, Interrupted, withoutOwnPrefix } from '../../run/failure.js';
import type { GlobalOptions } from '../global-options.js';
import { openProject } from '../project.js';
import { handleSignals } from '../signals.js';

/** Which built-in plugin provides each command, for the "add this plugin" hint. */
export const COMMAND_PROVIDERS: Record<string, string> = {
  exec: 'container()',
  refresh: 'container()',
  stop: 'container()',
  attach: 'container()',
  logs: 'qmsMcp() or gitMcp()',
  call: 'qmsMcp() or gitMcp()',
  verify: 'verify()',
};

export async function pluginCommand(
  globals: GlobalOptions,
  name: string,
  args: readonly string[],
  flags: Record<string, string | boolean | undefined>,
): Promise<number> {
  const project = await openProject(globals);
  const plugin = project.config.plugins.find((p) => p.commands?.[name]);
  const command = plugin?.commands?.[name];
  if (!plugin || !command) {
    throw new ConfigError(
      `no loaded plugin provides the "${name}" command`,
      `add ${COMMAND_PROVIDERS[name] ?? 'the plugin that provides it'} to plugins in ${project.config.file}`,
      project.config.file,
      'plugins',
    );
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
