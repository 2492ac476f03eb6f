/** The `agents` roster of a config: default, QMS users only, one clear error otherwise; the run's selected agents. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../tasks/config/resolve-config.js';
import { validateUserConfig } from '../../tasks/config/validate-config.js';
import { knownUsers } from '../../tasks/config/qms-users.js';
import { ConfigError } from '../../tasks/errors.js';
import { runTasks } from '../../tasks/run/run-tasks.js';
import { Redactor } from '../../tasks/env/redact.js';
import { createStateStore } from '../../tasks/state/state-store.js';
import type { UserConfig } from '../../tasks/types.js';

const root = mkdtempSync(join(tmpdir(), 'qms-roster-'));
mkdirSync(join(root, '.claude', 'agents'), { recursive: true });
writeFileSync(join(root, '.claude', 'agents', 'qa.md'), '---\nname: qa\n---\nQA\n');
writeFileSync(join(root, '.claude', 'agents', 'tu_ui.md'), '---\nname: tu_ui\n---\nTU\n');
writeFileSync(join(root, '.claude', 'agents', 'Not A User.md'), 'ignored: not an agent name\n');
afterAll(() => rmSync(root, { recursive: true, force: true }));

const file = join(root, 'qms.config.ts');
const load = (config: unknown) => resolveConfig(validateUserConfig(config, file), file);
const errorOf = (config: unknown): ConfigError => {
  try {
    load(config);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
};

describe('config agents', () => {
  it('defaults to claude', () => {
    expect(load({}).agents).toEqual(['claude']);
  });

  it('accepts the built-in users and those with .claude/agents/<name>.md, in order', () => {
    expect(knownUsers(root)).toEqual(['claude', 'lead', 'qa', 'tu_ui']);
    expect(load({ agents: ['claude', 'qa', 'tu_ui', 'lead'] }).agents).toEqual(['claude', 'qa', 'tu_ui', 'lead']);
  });

  it('refuses a name that is no QMS user, listing the known users', () => {
    const e = errorOf({ agents: ['claude', 'bu'] });
    expect(e.message).toMatch(/^qms\.config\.ts: agents\[1\]: "bu" is not a QMS user of this project.* \(known users: claude, lead, qa, tu_ui\)$/);
    expect(e.key).toBe('agents[1]');
    expect(e.hint).toContain('.claude/agents/bu.md');
  });

  it('refuses a malformed name, an empty roster and a repeated agent', () => {
    expect(errorOf({ agents: ['Claude'] }).message).toContain('agents[0]: expected an agent name');
    expect(errorOf({ agents: [] }).message).toContain('agents: expected at least one agent');
    expect(errorOf({ agents: ['qa', 'qa'] }).message).toContain('agents: expected each agent once');
    expect(errorOf({ agents: 'claude' }).message).toContain('agents: expected array, got string');
  });
});

describe('the agents selected for a run', () => {
  const seen = async (config: UserConfig, agents?: readonly string[]) => {
    const seenAgents: (readonly string[])[] = [];
    const resolved = load({ ...config, tasks: [{ name: 't', run: (ctx: { options: { agents: readonly string[] } }) => void seenAgents.push(ctx.options.agents) }] });
    const events: unknown[] = [];
    const result = await runTasks({
      config: resolved,
      targets: ['t'],
      env: {},
      redactor: new Redactor(),
      state: createStateStore({ root, warn: () => undefined }),
      renderer: { event: (e) => void events.push(e), close: async () => undefined },
      shell: false,
      ...(agents ? { run: { agents } } : {}),
    });
    expect(result.ok).toBe(true);
    return seenAgents[0];
  };

  it('are the whole roster by default, else the ones named', async () => {
    expect(await seen({ agents: ['claude', 'qa'] })).toEqual(['claude', 'qa']);
    expect(await seen({ agents: ['claude', 'qa'] }, ['qa'])).toEqual(['qa']);
  });
});
