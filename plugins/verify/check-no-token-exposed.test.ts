/**
 * How the process scan's output is judged (the scan itself runs in real containers in
 * verify.test.ts): a token in arguments or environment fails; an environment that cannot be read
 * is named when the process runs as the scan's own uid and is still alive after the walk (it made
 * itself not dumpable, so it could hide a token); another uid's, or one gone meanwhile, is counted.
 */
import type { ContainerInspectInfo } from 'dockerode';
import { describe, expect, it } from 'vitest';
import { checkNoTokenExposed } from './check-no-token-exposed.js';
import type { VerifyTarget } from './target.js';

const TOKEN = 'tok-0123456789abcdef0123456789';
const tokens = new Map([['the qms MCP token', TOKEN]]);
const info = { Config: { Env: [] } } as unknown as ContainerInspectInfo;
const scan = (stdout: string) => ({ probe: async () => ({ code: 0, stdout, stderr: '' }), user: '1000:1000' }) as unknown as VerifyTarget;
const proc = (pid: number, args: string, environ: string) => `\nP /proc/${pid}\n${args}\n\nE\n${environ}\n`;
const processes = async (stdout: string) => (await checkNoTokenExposed(scan(stdout), info, tokens))[1]!;

describe('secrets:processes', () => {
  it('fails on a token in arguments or environment', async () => {
    const r = await processes(proc(1, 'sleep\ninfinity', 'HOME=/') + proc(7, 'sh', `LEAK=${TOKEN}`) + '\nM 1000\n');
    expect(r).toMatchObject({ result: 'fail', actual: 'found: the qms MCP token in the environment of pid 7' });
  });

  it("names a live process of the agent's uid whose environment is closed; another uid's or one gone is counted", async () => {
    const others = proc(1, 'docker-init', 'unreadable 0') + proc(40, 'curl', 'unreadable 65532') + proc(41, 'tr', 'unreadable 1000');
    expect(await processes(`${others}\nM 1000\nL /proc/1\nL /proc/40\n`)).toMatchObject({ result: 'pass', actual: expect.stringMatching(/^3 processes read, 3 gone before their environment was read or another uid's/) });
    const hiding = others + proc(243, 'python3', 'unreadable 1000');
    // Named in the record, not failed: one of the verification's own processes can be like that too.
    expect(await processes(`${hiding}\nM 1000\nL /proc/243\n`)).toMatchObject({ result: 'pass', actual: expect.stringMatching(/none of 1 tokens found; not searchable \(the agent's uid, environment closed: not dumpable\): pid 243$/) });
  });
});
