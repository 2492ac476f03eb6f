/** The bounded session table (a fake clock), and the HTTP host enforcing it against real SDK clients. */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { afterAll, describe, expect, it } from 'vitest';
import { startHttpHost } from './http-host.js';
import { SessionTable } from './session-table.js';

describe('SessionTable', () => {
  it('keeps at most perOwner sessions per credential, closing that owner\'s least recently used', () => {
    let now = 0;
    const closed: string[] = [];
    const t = new SessionTable<string>({ perOwner: 2, idleMs: 1000 }, (v) => closed.push(v), () => now);
    t.add('a1', 'A', 'a1');
    now = 1;
    t.add('a2', 'A', 'a2');
    t.add('b1', 'B', 'b1');
    now = 2;
    t.use('a1'); // a2 is now A's least recently used
    now = 3;
    t.add('a3', 'A', 'a3');
    expect(closed).toEqual(['a2']);
    expect(t.use('b1')?.value).toBe('b1'); // another owner's session is never pushed out
    expect(t.size).toBe(3);
    t.drain();
  });

  it('closes sessions idle for longer than idleMs', () => {
    let now = 0;
    const closed: string[] = [];
    const t = new SessionTable<string>({ perOwner: 10, idleMs: 100 }, (v) => closed.push(v), () => now);
    t.add('old', 'A', 'old');
    now = 50;
    t.add('new', 'A', 'new');
    now = 120;
    t.sweep();
    expect(closed).toEqual(['old']);
    expect(t.use('new')).toBeDefined();
    expect(t.drain()).toEqual(['new']);
  });
});

describe('the HTTP host bounds its sessions', () => {
  const hosts: Array<{ close(): Promise<void> }> = [];
  afterAll(async () => Promise.all(hosts.map((h) => h.close())));

  const init = (url: string, token: string): Promise<Response> =>
    fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer ${token}` },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-03-26', capabilities: {}, clientInfo: { name: 'flood', version: '0' } } }),
    });
  const ping = (url: string, token: string, session: string): Promise<Response> =>
    fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer ${token}`, 'mcp-session-id': session, 'mcp-protocol-version': '2025-03-26' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'ping' }),
    });

  it('a flood of initialize calls from one agent closes its own oldest sessions, never another agent\'s', async () => {
    let built = 0;
    const host = await startHttpHost({
      createServer: () => {
        built++;
        return new McpServer({ name: 'x', version: '1' });
      },
      port: 0,
      hosts: ['127.0.0.1'],
      tokens: new Map([['tok-qa', 'qa'], ['tok-claude', 'claude']]),
      sessionLimits: { perOwner: 3 },
    });
    hosts.push(host);
    const url = host.urls[0] as string;
    const claudeSession = (await init(url, 'tok-claude')).headers.get('mcp-session-id') as string;
    const qaSessions: string[] = [];
    for (let i = 0; i < 10; i++) qaSessions.push((await init(url, 'tok-qa')).headers.get('mcp-session-id') as string);
    expect(built).toBe(11);
    // qa keeps its three newest sessions; the seven before are gone (404: start a new one).
    expect((await ping(url, 'tok-qa', qaSessions[0] as string)).status).toBe(404);
    expect((await ping(url, 'tok-qa', qaSessions[9] as string)).status).toBe(200);
    expect((await ping(url, 'tok-claude', claudeSession)).status).toBe(200);
  });

  it('expires a session left idle', async () => {
    const host = await startHttpHost({
      createServer: () => new McpServer({ name: 'x', version: '1' }),
      port: 0,
      hosts: ['127.0.0.1'],
      tokens: new Map([['tok', 'claude']]),
      sessionLimits: { idleMs: 300 },
    });
    hosts.push(host);
    const url = host.urls[0] as string;
    const session = (await init(url, 'tok')).headers.get('mcp-session-id') as string;
    expect((await ping(url, 'tok', session)).status).toBe(200);
    // Untouched for longer than the limit plus one sweep (every second at the least); a ping would count as use.
    await new Promise((r) => setTimeout(r, 2500));
    expect((await ping(url, 'tok', session)).status).toBe(404);
  });
});
