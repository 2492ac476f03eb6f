import { describe, expect, it } from 'vitest';
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
  it('fs script: one call per check, parsed back by id; /.ssh only when mounted', () => {
    expect(fsChecks('claude', false).some((c) => c.path === '/.ssh')).toBe(false);
    const checks = fsChecks('claude', true);
    const script = fsScript(checks, 'n1');
    for (const c of checks) expect(script).toContain(`'${c.id}'`);
    const b64 = (s: string) => Buffer.from(s).toString('base64');
    const { results, user } = parseFsOutput(`U\t1000:1000\nR\tro:/pipe-dream/\tpass\t${b64('write refused: Read-only file system')}\ngarbage\n`);
    expect(user).toBe('1000:1000');
    expect(results.get('ro:/pipe-dream/')).toEqual({ result: 'pass', actual: 'write refused: Read-only file system' });
  });

  it('mcp script: the token is read from the environment, never written into the script', () => {
    const script = mcpScript(initializeSteps(1));
    expect(script).toContain('"$QMS_VERIFY_TOKEN"');
    expect(script).toContain('curl -sS -K -');
    const b64 = (s: string) => Buffer.from(s).toString('base64');
    const { steps, noCurl } = parseMcpOutput(`S\tinitialize\t0\t200\t${b64('{"id":1}')}\t\nS\tedit\t1\t-\t${b64('denied')}\t\n`);
    expect(noCurl).toBe(false);
    expect(steps).toEqual([
      { name: 'initialize', exit: 0, status: 200, body: '{"id":1}', stderr: '' },
      { name: 'edit', exit: 1, status: undefined, body: 'denied', stderr: '' },
    ]);
  });
});

describe('verify() factory', () => {
  it('validates options eagerly and depends on the container, session and MCP servers', () => {
    expect(verify().tasks[0]!.dependsOn).toEqual(['container', 'session', 'mcp:qms', 'mcp:git']);
    expect(verify({ dependsOn: ['container'] }).tasks[0]!.dependsOn).toEqual(['container']);
    expect(Object.keys(verify().commands!)).toEqual(['verify']);
    expect(() => verify({ agent: 'a b' })).toThrow(ConfigError);
    expect(() => verify({ mcpServers: 'mcp:qms' as unknown as string[] })).toThrow(/mcpServers/);
    expect(() => verify({ limits: { memory: 'lots' } })).toThrow(/limits.memory/);
    expect(() => verify({ qmsServer: 'bad name' })).toThrow(/qmsServer/);
  });
});
