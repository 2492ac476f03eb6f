/** Output that never lies: failed commands, console calls inside tasks, prefixes, empty reasons. */
import { describe, expect, it, vi } from 'vitest';
import { Redactor } from '../../tasks/env/redact.js';
import { QmsError } from '../../tasks/errors.js';
import { resolveConfig } from '../../tasks/config/resolve-config.js';
import { TaskError, withoutOwnPrefix } from '../../tasks/run/failure.js';
import type { TaskDef } from '../../tasks/types.js';
import { run, tempDir } from './harness.js';
import { join } from 'node:path';

const shellEnv = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/' };

describe('a failing ctx.$ command', () => {
  it('names the command and its exit code; its stderr is in the output once; no stack frame', async () => {
    const tasks: TaskDef[] = [{ name: 'f', run: async (ctx) => void (await ctx.$`sh -c 'x=oo; echo out; echo "$x"ps >&2; exit 3'`) }];
    const { result, renderer } = await run(tasks, ['f'], { shell: true, env: shellEnv });
    const reason = result.failures[0]?.reason;
    expect(reason).toBe("`sh -c 'x=oo; echo out; echo \"$x\"ps >&2; exit 3'` exited with code 3");
    const everything = JSON.stringify(renderer.events);
    expect(everything.split('oops').length - 1).toBe(1);
    expect(everything).not.toMatch(/\bat (Object|AsyncLocalStorage)\b|shell\.js|node:async_hooks/);
  });

  it('never gives an empty reason when the command printed nothing', async () => {
    const tasks: TaskDef[] = [{ name: 'g', run: async (ctx) => void (await ctx.$`false`) }];
    const { result } = await run(tasks, ['g'], { shell: true, env: shellEnv });
    expect(result.failures[0]?.reason).toBe('`false` exited with code 1 and printed nothing on stderr');
  });

  it('a plugin that catches the error sees the clean message and the command as a field', async () => {
    let seen: { message: string; command?: unknown; exitCode?: unknown } | undefined;
    const tasks: TaskDef[] = [
      {
        name: 'h',
        run: async (ctx) => {
          try {
            await ctx.$`exit 7`;
          } catch (err) {
            seen = err as typeof seen;
          }
        },
      },
    ];
    await run(tasks, ['h'], { shell: true, env: shellEnv });
    expect(seen?.message).toBe('`exit 7` exited with code 7 and printed nothing on stderr');
    expect(seen?.command).toBe('exit 7');
    expect(seen?.exitCode).toBe(7);
  });
});

describe('console.log / console.error inside a task', () => {
  it('go through the task logger, redacted, as task:output events; the real console sees nothing', async () => {
    const redactor = new Redactor();
    redactor.addFromEnv({ GH_TOKEN: 'ghp_consolesecret' });
    const real = vi.spyOn(process.stdout, 'write');
    const realErr = vi.spyOn(process.stderr, 'write');
    const tasks: TaskDef[] = [
      {
        name: 'chatty',
        run: async () => {
          console.log('token is %s', 'ghp_consolesecret');
          await new Promise((r) => setTimeout(r, 1));
          console.error('bad: ghp_consolesecret');
        },
      },
      { name: 'other', run: () => console.info('other task') },
    ];
    const { renderer } = await run(tasks, ['chatty', 'other'], { redactor });
    const written = [...real.mock.calls, ...realErr.mock.calls].map((c) => String(c[0])).join('');
    real.mockRestore();
    realErr.mockRestore();
    expect(written).not.toContain('ghp_consolesecret');
    expect(written).not.toContain('token is');
    const out = renderer.of('task:output').map((e) => `${e.task} ${e.stream} ${e.line}`);
    expect(out).toEqual(expect.arrayContaining(['chatty info token is ***', 'chatty warn bad: ***', 'other info other task']));
    expect(JSON.stringify(renderer.events)).not.toContain('ghp_consolesecret');
  });

  it('tasks declaring awaitedConsole keep their own lines while they run at once, through awaits, Promise.all and helpers', async () => {
    const real = vi.spyOn(process.stdout, 'write');
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    const helper = async (what: string) => {
      await new Promise((r) => setTimeout(r, 1));
      console.warn(`${what} from a helper`);
    };
    const tasks: TaskDef[] = [
      {
        name: 'a',
        awaitedConsole: true,
        run: async () => {
          console.log('a before');
          await gate; // b logs in between
          await Promise.all([helper('a'), new Promise((r) => setTimeout(r, 2)).then(() => console.info('a after'))]);
        },
      },
      {
        name: 'b',
        awaitedConsole: true,
        run: async () => {
          await new Promise((r) => setTimeout(r, 1));
          console.log('b before');
          open();
          await helper('b');
          console.error('b after');
        },
      },
      // Without the declaration a timer's console call is still the task's (AsyncLocalStorage).
      { name: 'c', run: () => new Promise<void>((r) => setTimeout(() => (console.log('c from a timer'), r()), 3)) },
    ];
    const { renderer } = await run(tasks, ['a', 'b', 'c']);
    const written = real.mock.calls.map((c) => String(c[0])).join('');
    real.mockRestore();
    expect(written).not.toMatch(/before|after|helper|timer/);
    const out = renderer.of('task:output').map((e) => `${e.task} ${e.stream} ${e.line}`);
    expect(out.sort()).toEqual(
      ['a info a before', 'a warn a from a helper', 'a info a after', 'b info b before', 'b warn b from a helper', 'b warn b after', 'c info c from a timer'].sort(),
    );
  });

  it('the console is the real one again after the run', async () => {
    const before = console.log;
    await run([{ name: 'a', run: () => undefined }], ['a']);
    expect(console.log).toBe(before);
  });
});

describe('errors carry plugin, task and cause; the prefix is written once', () => {
  it('strips the prefixes a plugin put in its own message', async () => {
    const tmp = tempDir();
    try {
      const config = resolveConfig(
        { plugins: [{ name: 'auth', tasks: [{ name: 'auth', run: () => Promise.reject(new QmsError('auth: auth: 1 check failed: [docker] no engine', 'start Docker')) }] }] },
        join(tmp.dir, 'qms.config.ts'),
      );
      const { result, renderer } = await run([], ['auth'], { config });
      expect(result.failures[0]).toMatchObject({ plugin: 'auth', task: 'auth', reason: '1 check failed: [docker] no engine', hint: 'start Docker' });
      expect(renderer.of('task:fail')[0]?.reason).toBe('1 check failed: [docker] no engine');
      const err = new TaskError(result.failures[0]!);
      expect(err.message).toBe('[auth] auth: 1 check failed: [docker] no engine');
      expect(err).toMatchObject({ plugin: 'auth', task: 'auth' });
      expect(err.cause).toBeInstanceOf(QmsError);
    } finally {
      tmp.cleanup();
    }
  });

  it('withoutOwnPrefix keeps other text', () => {
    expect(withoutOwnPrefix('[container] container: port taken', 'container', 'container')).toBe('port taken');
    expect(withoutOwnPrefix('docker: no engine', 'auth', 'auth')).toBe('docker: no engine');
    expect(withoutOwnPrefix('auth: ', 'auth', 'auth')).toBe('auth: ');
  });

  it('an error with an empty message still gets a reason', async () => {
    const { result } = await run([{ name: 'e', run: () => Promise.reject(new Error('')) }], ['e']);
    expect(result.failures[0]?.reason).toBe('failed without a message (threw Error with an empty message)');
  });
});
