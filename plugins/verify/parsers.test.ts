import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { accessTable } from '../container/access-table.js';
import { jsonRpcResponse, toolText } from '../mcp-server/jsonrpc-body.js';
import { parseMcpList } from './check-claude-mcp-list.js';
import { fsChecks, fsScript, parseFsOutput } from './fs-checks.js';
import { mcpScript, initializeSteps, parseMcpOutput } from './mcp-script.js';
import { verify } from './index.js';
import { ConfigError } from '../../tasks/errors.js';

describe('JSON-RPC bodies', () => {
  it('reads plain JSON and SSE (multi-line data) answers, matching the id', () => {
    expect(jsonRpcResponse('{"jsonrpc":"2.0","id":1,"result":{"a":1}}', 1)?.result).toEqual({ a: 1 });
    const sse = 'event: message\ndata: {"jsonrpc":"2.0","method":"notifications/progress"}\n\nevent: message\ndata: {"jsonrpc":"2.0",\ndata: "id":2,"result":{"content":[{"type":"text","text":"hi"}]}}\n\n';
    expect(toolText(jsonRpcResponse(sse, 2))).toBe('hi');
    expect(jsonRpcResponse(sse, 3)).toBeUndefined();
    expect(jsonRpcResponse('Not Acceptable', 1)).toBeUndefined();
  });
});

describe('claude mcp list output', () => {
  it('maps each server to its status', () => {
    const out = 'Checking MCP server health...\n\nqms: http://host.docker.internal:8000/mcp (HTTP) - ✔ Connected\ngit: http://host.docker.internal:8001/mcp (HTTP) - ✗ Failed to connect\n';
    expect([...parseMcpList(out)]).toEqual([
      ['qms', '✔ Connected'],
      ['git', '✗ Failed to connect'],
    ]);
  });
});

describe('in-container scripts', () => {
  const rows = (sshDir: string | undefined, secretFiles: string[] = []) =>
    accessTable({ root: '/r', project: 'p', agent: 'claude', shadow: { mcpJson: true, settingsLocal: true }, sshDir, secretFiles });

  it('fs checks come from the access table: /.ssh only when mounted, .qms/ and each secret file masked', () => {
    expect(fsChecks(rows(undefined)).some((c) => c.path === '/.ssh')).toBe(false);
    const ids = fsChecks(rows('/home/u/.ssh', ['.env', 'docker/.env'])).map((c) => c.id);
    expect(ids).toEqual(
      expect.arrayContaining(['ro:/pipe-dream/', 'ro:/.ssh/', 'rw:/projects/', 'masked:/pipe-dream/.qms/', 'masked:/pipe-dream/.env', 'masked:/pipe-dream/docker/.env', 'git-clone:/projects']),
    );
  });

  it('masked probes report by effect (bytes readable), never the content', () => {
    const dir = mkdtempSync(join(tmpdir(), 'qms-masked-'));
    try {
      mkdirSync(join(dir, 'q'));
      writeFileSync(join(dir, 'q', 'tok'), 'SECRET-CONTENT\n');
      writeFileSync(join(dir, 'open.env'), 'SECRET-CONTENT\n');
      writeFileSync(join(dir, 'empty.env'), '');
      mkdirSync(join(dir, 'empty'));
      // Dot files are listed too; a file without a final newline is readable too.
      mkdirSync(join(dir, 'dots'));
      writeFileSync(join(dir, 'dots', '.hidden'), 'SECRET');
      writeFileSync(join(dir, 'dots', '..x'), '');
      writeFileSync(join(dir, 'dots', '*'), '');
      writeFileSync(join(dir, 'dots', 'nuls'), Buffer.alloc(7));
      const checks = [
        { id: 'd-dots', group: 'secrets' as const, title: '', probe: 'masked-dir' as const, path: join(dir, 'dots'), files: ['.hidden', 'absent', 'nuls'] },
        { id: 'd-leaky', group: 'secrets' as const, title: '', probe: 'masked-dir' as const, path: join(dir, 'q'), files: ['tok', 'absent'] },
        { id: 'd-empty', group: 'secrets' as const, title: '', probe: 'masked-dir' as const, path: join(dir, 'empty'), files: ['tok'] },
        { id: 'f-open', group: 'secrets' as const, title: '', probe: 'masked-file' as const, path: join(dir, 'open.env') },
        { id: 'f-empty', group: 'secrets' as const, title: '', probe: 'masked-file' as const, path: join(dir, 'empty.env') },
        { id: 'f-absent', group: 'secrets' as const, title: '', probe: 'masked-file' as const, path: join(dir, 'absent.env') },
      ];
      const out = execFileSync('sh', ['-c', fsScript(checks, 'n1')], { encoding: 'utf8' });
      expect(out).not.toContain(Buffer.from('SECRET').toString('base64').slice(0, 6));
      const { results } = parseFsOutput(out);
      expect(results.get('d-leaky')).toEqual({ result: 'fail', actual: 'readable: listed 1 entries; read 15 bytes of tok' });
      expect(results.get('d-empty')).toMatchObject({ result: 'pass' });
      expect(results.get('d-dots')).toEqual({ result: 'fail', actual: 'readable: listed 4 entries; read 6 bytes of .hidden; read 7 bytes of nuls' });
      expect(results.get('f-open')).toEqual({ result: 'fail', actual: 'readable: 15 bytes' });
      expect(results.get('f-empty')).toMatchObject({ result: 'pass' });
      expect(results.get('f-absent')).toMatchObject({ result: 'pass' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('fs script: one call per check, parsed back by id', () => {
    const checks = fsChecks(rows('/home/u/.ssh'));
    const script = fsScript(checks, 'n1');
    for (const c of checks) expect(script).toContain(`'${c.id}'`);
    const { results, user } = parseFsOutput(
      `U\t1000:1000\0R\tro:/pipe-dream/\tpass\twrite refused: sh: 1: cannot create /pipe-dream/x: Read-only file system\0garbage\0R\tmasked:/x\tfail\treadable: a\tb\nc\nd\ne\nf\0`,
    );
    expect(user).toBe('1000:1000');
    expect(results.get('ro:/pipe-dream/')).toEqual({ result: 'pass', actual: 'write refused: cannot create /pipe-dream/x: Read-only file system' });
    expect(results.get('masked:/x')).toEqual({ result: 'fail', actual: 'readable: a\tb\nc\nd\ne' });
  });

  it('mcp script: the token is read from a shell variable, never written into the script', () => {
    const script = mcpScript(initializeSteps(1));
    expect(script).toContain(`printf '%s\\n%s\\n' "$QMS_VERIFY_URL" "$QMS_VERIFY_TOKEN" | bash -c`);
  });

  it('mcp script output: answers framed by their byte counts, whatever they hold', () => {
    const steps = [...initializeSteps(1), { kind: 'sh' as const, name: 'edit', script: 'true' }, { kind: 'rpc' as const, name: 'tools/list', body: {} }];
    // The first answer holds what looks like the script's own lines; the sh step's is multi-byte.
    const first = '{"id":1}\nM\t0\t200\t3\t\nB\n';
    const edit = 'refusé\n';
    const out = `M\t0\t200\t${Buffer.byteLength(first)}\t\nM\t0\t202\t0\t\nM\t1\t-\t${Buffer.byteLength(edit)}\t\nB\n${first}${edit}`;
    const { steps: got, noClient } = parseMcpOutput(out, steps);
    expect(noClient).toBe(false);
    expect(got).toEqual([
      { name: 'initialize', exit: 0, status: 200, body: first, stderr: '' },
      { name: 'notifications/initialized', exit: 0, status: 202, body: '', stderr: '' },
      { name: 'edit', exit: 1, status: undefined, body: edit, stderr: '' },
      { name: 'tools/list', exit: -1, status: undefined, body: '', stderr: 'no answer: the script stopped before this step' },
    ]);
    expect(parseMcpOutput('NOBASH\n', steps)).toEqual({ steps: [], noClient: true });
  });
});

describe('verify() factory', () => {
  it('validates options eagerly and depends on the container, session and MCP servers', () => {
    expect(verify().tasks[0]!.dependsOn).toEqual(['container', 'session', 'mcp:qms', 'mcp:git']);
    expect(verify({ dependsOn: ['container'] }).tasks[0]!.dependsOn).toEqual(['container']);
    expect(Object.keys(verify().commands!)).toEqual(['verify']);
    expect(() => verify({ agent: 'claude' } as never)).toThrow(ConfigError);
    expect(() => verify({ agent: 'claude' } as never)).toThrow(/roster/);
    expect(() => verify({ mcpServers: 'mcp:qms' as unknown as string[] })).toThrow(/mcpServers/);
    expect(() => verify({ limits: { memory: 'lots' } })).toThrow(/limits.memory/);
    expect(() => verify({ qmsServer: 'bad name' })).toThrow(/qmsServer/);
    expect(() => verify({ qmsRoundTrip: '../CR-001' })).toThrow(/qmsRoundTrip/);
    expect(() => verify({ qmsRoundTrip: '--help' })).toThrow(/qmsRoundTrip/);
    expect(verify({ qmsRoundTrip: 'CR-099' }).name).toBe('verify');
  });
});
