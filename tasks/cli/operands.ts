/**
 * Commander takes a literal `--` as "options end here" and drops it from a command's operands,
 * so `qms attach -- sh` would reach the plugin as `['sh']` and `sh` would be read as the agent.
 * Plugin commands (`exec`, `attach`) need to know where the user put it.
 */

/**
 * `operands` (what commander passes the command) with a `--` put back where the user typed
 * the first one in `argv`. Everything after that `--` is an operand, so it is the tail of
 * `operands`; when it is not (should not happen), the operands are returned unchanged.
 */
export function withDoubleDash(operands: readonly string[], argv: readonly string[], command: string): string[] {
  const at = argv.indexOf(command, 2);
  const dash = at < 0 ? -1 : argv.indexOf('--', at + 1);
  if (dash < 0) return [...operands];
  const tail = argv.slice(dash + 1);
  const head = operands.slice(0, operands.length - tail.length);
  const same = tail.length <= operands.length && tail.every((a, i) => operands[head.length + i] === a);
  return same ? [...head, '--', ...tail] : [...operands];
}
