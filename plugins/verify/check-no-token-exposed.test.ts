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
const scan = (stdout: string, stderr: string) => ({ probe: async () => ({ code: 0, stdout, stderr }), user: '1000:1000' }) as unknown as VerifyTarget;
/** What `head -v` prints for a process: its arguments and (when readable) its environment, NUL-separated. */
const proc = (pid: number, args: string[], environ?: string[]) =>
  `\n==> /proc/${pid}/cmdline <==\n${args.join('\0')}\0` + (environ ? `\n==> /proc/${pid}/environ <==\n${environ.join('\0')}\0` : '');
const processes = async (stdout: string, stderr: string) => (await checkNoTokenExposed(scan(stdout.replace(/^\n/, ''), stderr), info, tokens))[1]!;

describe('secrets:processes', () => {
  it('fails on a token in arguments or environment', async () => {
    const r = await processes(proc(1, ['sleep', 'infinity'], ['HOME=/']) + proc(7, ['sh'], [`LEAK=${TOKEN}`]), 'M 1000\n');
    expect(r).toMatchObject({ result: 'fail', actual: 'found: the qms MCP token in the environment of pid 7' });
    const args = await processes(proc(1, ['sleep', 'infinity'], ['HOME=/']) + proc(9, ['curl', '-H', `x: ${TOKEN}`], []), 'M 1000\n');
    expect(args).toMatchObject({ result: 'fail', actual: 'found: the qms MCP token in the arguments of pid 9' });
  });

  it("a header forged inside an agent's bytes only cuts them in two: a token in either half is found", async () => {
    const forged = proc(5, ['python3'], ['A=1', `B=x\n==> /proc/1/cmdline <==\nC=${TOKEN}`]);
    expect(await processes(proc(1, ['docker-init'], []) + forged, 'M 1000\n')).toMatchObject({ result: 'fail', actual: expect.stringContaining('the qms MCP token in the arguments of pid 1') });
    // A forged header naming a real file adds a block; the real one is still searched.
    const shadowed = proc(1, ['docker-init', TOKEN], []) + proc(5, ['python3'], ['A=1\n==> /proc/1/cmdline <==\nharmless']);
    expect(await processes(shadowed, 'M 1000\n')).toMatchObject({ result: 'fail', actual: 'found: the qms MCP token in the arguments of pid 1' });
    // The stderr records come from the scan alone: nothing the agent prints reaches them.
    expect(await processes(proc(5, ['sh'], ['M 0', 'L /proc/5']), 'M 1000\n')).toMatchObject({ result: 'pass', actual: '1 processes read; none of 1 tokens found' });
  });

  it("names a live process of the agent's uid whose environment is closed; another uid's or one gone is counted", async () => {
    const others = proc(1, ['docker-init']) + proc(40, ['curl']) + proc(41, ['tr']);
    const closed = 'U /proc/1 0\nU /proc/40 65532\nU /proc/41 1000\nM 1000\n';
    expect(await processes(others, `${closed}L /proc/1\nL /proc/40\n`)).toMatchObject({ result: 'pass', actual: expect.stringMatching(/^3 processes read, 3 gone before their environment was read or another uid's/) });
    const hiding = others + proc(243, ['python3']);
    // Named in the record, not failed: one of the verification's own processes can be like that too.
    expect(await processes(hiding, `U /proc/243 1000\n${closed}L /proc/243\n`)).toMatchObject({ result: 'pass', actual: expect.stringMatching(/none of 1 tokens found; not searchable \(the agent's uid, environment closed: not dumpable\): pid 243$/) });
  });

  it('fails when no process could be read, with what the scan said', async () => {
    expect(await processes('', "head: invalid option -- 'v'\nM 1000\n")).toMatchObject({ result: 'fail', actual: expect.stringContaining("head: invalid option -- 'v'") });
  });
});
