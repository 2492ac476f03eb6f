/** Unit tests: option validation, argument parsing, names, and the spec/hash (no engine). */
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../tasks/errors.js';
import { container, splitAgentArgs } from './index.js';
import { parseMemory, resolveOptions } from './options.js';
import { containerName, sanitise } from './names.js';
import { agentPaths } from './host-paths.js';
import { containerSpec, type SpecInput } from './spec.js';
import { refreshReasons } from './status.js';

describe('options', () => {
  it('defaults to seed 004 figures', () => {
    const o = resolveOptions();
    expect(o).toMatchObject({ agent: 'claude', image: 'qms-agent:latest', imageTask: 'build', mcpServers: ['mcp:qms', 'mcp:git'], capAdd: [], mcpTimeoutMs: 30000 });
    expect(o.limits).toEqual({ cpus: 4, memory: 8 * 1024 ** 3, pids: 1000, nofile: { soft: 1024, hard: 2048 } });
  });

  it('rejects wrong types with a ConfigError naming the option', () => {
    expect(() => container({ agent: 'claude' } as never)).toThrow(ConfigError);
    expect(() => container({ agent: 'claude' } as never)).toThrow(/roster/);
    expect(() => resolveOptions({ agent: 'bad name' })).toThrow(ConfigError);
    expect(() => container({ limits: { memory: 'lots' } })).toThrow(/limits.memory/);
    expect(() => container({ limits: { cpus: -1 } })).toThrow(/limits.cpus/);
    expect(() => container({ limits: { nofile: { soft: 10, hard: 5 } } })).toThrow(/soft \(10\) must not exceed hard/);
    expect(() => container({ mcpServers: 'mcp:qms' as unknown as string[] })).toThrow(/mcpServers/);
    expect(() => container({ env: { 'BAD-NAME': 'x' } })).toThrow(/env/);
  });

  it('parses memory sizes and normalises capabilities', () => {
    expect(parseMemory('512m')).toBe(512 * 1024 ** 2);
    expect(parseMemory(1000)).toBe(1000);
    expect(resolveOptions({ capAdd: ['cap_net_bind_service'] }).capAdd).toEqual(['NET_BIND_SERVICE']);
  });

  it('makes the task depend on the image, MCP servers and extra tasks', () => {
    const plugin = container({ after: ['session', 'auth'], attachAfter: ['verify'] });
    expect(plugin.tasks.map((t) => t.name)).toEqual(['container', 'attach', 'container:down']);
    expect(plugin.tasks[0]!.dependsOn).toEqual(['build', 'mcp:qms', 'mcp:git', 'session', 'auth']);
    expect(plugin.tasks[1]).toMatchObject({ interactive: true, dependsOn: ['container', 'verify'] });
    expect(Object.keys(plugin.commands!)).toEqual(['exec', 'refresh', 'stop', 'attach']);
  });
});

describe('arguments and names', () => {
  it('splits `<agent> -- cmd…`', () => {
    expect(splitAgentArgs(['claude', '--', 'ls', '-la'], 'x', true)).toEqual({ agent: 'claude', cmd: ['ls', '-la'] });
    expect(splitAgentArgs(['--', 'ls'], 'claude', true)).toEqual({ agent: 'claude', cmd: ['ls'] });
    expect(splitAgentArgs([], 'claude', false)).toEqual({ agent: 'claude', cmd: [] });
    expect(() => splitAgentArgs(['claude'], 'claude', true)).toThrow(/No command given/);
  });

  it('sanitises Docker names', () => {
    expect(sanitise('My Project!')).toBe('my-project-');
    expect(containerName('pipe-dream', 'claude')).toBe('qms-pipe-dream-claude');
  });

  it('flags seed 004 refresh criteria', () => {
    expect(refreshReasons({ ageHours: 80, diskPercent: 85, memoryPercent: 95 })).toHaveLength(3);
    expect(refreshReasons({ ageHours: 1, diskPercent: 10, memoryPercent: null })).toEqual([]);
  });
});

describe('spec', () => {
  const input = (token: string, secretFiles: string[] = ['.env']): SpecInput => ({
    project: 'p',
    root: '/r',
    opts: resolveOptions({ env: { FOO: 'bar' } }),
    image: 'img',
    imageId: 'sha256:1',
    overlays: { mcpJson: '/r/.qms/container/claude/mcp.json', settingsLocal: '/r/.qms/container/claude/settings.local.json', etcDir: '/r/.qms/container/claude/etc', hash: token === 'a' ? 'h1' : 'h2' },
    shadow: { mcpJson: true, settingsLocal: false },
    sshDir: undefined,
    secretFiles,
    hostEnv: { GH_TOKEN: 'ghp_secret', GIT_AUTHOR_EMAIL: 'a@b.c' },
  });

  it('changes the hash when the overlays change, and keeps secrets out of env and labels', () => {
    const a = containerSpec(input('a'), 2);
    const b = containerSpec(input('b'), 2);
    expect(a.hash).not.toBe(b.hash);
    expect(JSON.stringify(a.create)).not.toContain('ghp_secret');
    expect(a.create.Env).toEqual(expect.arrayContaining(['FOO=bar', 'GIT_AUTHOR_EMAIL=a@b.c', 'HOME=/']));
    expect(a.create.HostConfig?.Mounts?.map((m) => m.Target)).not.toContain('/pipe-dream/.claude/settings.local.json');
    expect(a.create.HostConfig?.NanoCpus).toBe(2e9);
  });

  it("default-deny: only the agents' network, the proxy in the tools' env, label deny; open: host-gateway, no proxy, label open; the two hash apart", () => {
    const deny = containerSpec({ ...input('a'), egress: { network: 'qms-p-agents' } }, 2);
    const open = containerSpec(input('a'), 2);
    expect(deny.create.HostConfig?.NetworkMode).toBe('qms-p-agents');
    expect(deny.create.HostConfig?.ExtraHosts).toBeUndefined();
    expect(deny.create.HostConfig?.DnsOptions).toEqual(['timeout:1', 'attempts:1']);
    expect(open.create.HostConfig?.DnsOptions).toBeUndefined();
    expect(deny.create.Env).toEqual(expect.arrayContaining(['HTTPS_PROXY=http://qms-egress:3128', 'HTTP_PROXY=http://qms-egress:3128', 'NO_PROXY=host.docker.internal,localhost,127.0.0.1']));
    expect(deny.create.Labels?.['qms.network']).toBe('deny');
    expect(open.create.HostConfig?.NetworkMode).toBeUndefined();
    expect(open.create.HostConfig?.ExtraHosts).toEqual(['host.docker.internal:host-gateway']);
    expect(open.create.Env?.some((e) => /PROXY=/i.test(e))).toBe(false);
    expect(open.create.Labels?.['qms.network']).toBe('open');
    expect(deny.hash).not.toBe(open.hash);
  });

  it('masks .qms/ and every secret file read-only, and a change in the masked set changes the hash', () => {
    const a = containerSpec(input('a', ['.env']), 2);
    const b = containerSpec(input('a', ['.env', 'docker/.env']), 2);
    expect(a.hash).not.toBe(b.hash);
    const mounts = b.create.HostConfig?.Mounts ?? [];
    expect(mounts.find((m) => m.Target === '/pipe-dream/.qms')).toMatchObject({ Type: 'tmpfs', ReadOnly: true });
    for (const target of ['/pipe-dream/.env', '/pipe-dream/docker/.env']) {
      expect(mounts.find((m) => m.Target === target)).toEqual({ Type: 'bind', Source: agentPaths('/r', 'claude').overlay.maskFile, Target: target, ReadOnly: true });
    }
  });
});
