// Config of the CLI's plugin-command tests (test/cli/cli.test.ts): a stand-in for the container
// plugin whose `exec` and `attach` print the operands they get, and whose `attach` waits for
// Ctrl-C when told to (rejecting with the abort reason, as the real exec/attach do).
import { writeFileSync } from 'node:fs';
import { defineConfig, definePlugin } from 'qms';

const echo = {
  description: 'print the operands as JSON',
  async run(ctx: { env: Record<string, string | undefined>; signal: AbortSignal }, args: readonly string[]): Promise<number> {
    if (args[0] === 'wait') {
      writeFileSync(ctx.env.QMS_CLI_TEST_PIDFILE!, String(process.pid));
      const alive = setInterval(() => undefined, 1_000); // as a container stream would keep the process up
      await new Promise((_resolve, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason), { once: true })).finally(() => clearInterval(alive));
    }
    process.stdout.write(`${JSON.stringify(args)}\n`);
    return 0;
  },
};

// A third-party plugin's own command, with a usage line and an option: it writes a marker file.
const stamp = {
  description: 'write a greeting into the marker file',
  usage: '<name>',
  options: [{ flags: '--loud', description: 'shout it' }],
  async run(ctx: { env: Record<string, string | undefined> }, args: readonly string[], flags: Readonly<Record<string, string | boolean | undefined>>): Promise<number> {
    const text = `hello ${args[0]}`;
    writeFileSync(ctx.env.QMS_CLI_TEST_MARKER!, flags.loud === true ? text.toUpperCase() : text);
    return 0;
  },
};

export default defineConfig({
  plugins: [definePlugin({ name: 'echo', tasks: [], commands: { exec: echo, attach: echo } }), definePlugin({ name: 'greetings', tasks: [], commands: { stamp } })],
});
