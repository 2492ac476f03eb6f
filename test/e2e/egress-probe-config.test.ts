/**
 * The egress probes run curl as a uid of their own, but in the agent's container, whose HOME is
 * `/` with `/.config` owned by the agent in the image: curl reads `$HOME/.config/curlrc` by
 * default. An agent planting one there could trace the probes' headers (the nonce) and add
 * transfers of its own that print probe results after the real ones (parseLines keeps the last
 * line of an id). By effect: a planted curlrc is read by a plain curl of the probes' uid (the
 * plant works), yet verification's probes ignore it: no trace written, and a fake
 * `proxy-outside 0 -` (connected) printed late does not change the verdict.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupRepo, currentVerification, ensureBuilt, makeE2eRepo, qms, transcript, type E2eRepo } from './harness.js';

let repo: E2eRepo | undefined;
const TRACE = '/tmp/qms-probe-trace';
const agent = (): string => `qms-${repo!.name}-claude`;
const execAs = (user: string, script: string): string => execFileSync('docker', ['exec', '-u', user, agent(), 'sh', '-c', script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

/** The evidence `qms verify` wrote last (a second verification in a session writes verification-N.json beside the first). */
function latestVerification(): { checks: Array<{ id: string; result: string; actual: string }> } {
  const dir = join(repo!.root, '.claude', 'sessions', currentVerification(repo!).session);
  const newest = readdirSync(dir).filter((f) => /^verification(-\d+)?\.json$/.test(f)).map((f) => join(dir, f)).sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0]!;
  return JSON.parse(readFileSync(newest, 'utf8')) as { checks: Array<{ id: string; result: string; actual: string }> };
}

beforeAll(async () => {
  ensureBuilt();
  repo = await makeE2eRepo(`e2e-egress-rc-${process.pid}`);
}, 300_000);

afterAll(async () => {
  await cleanupRepo(repo);
}, 120_000);

describe("the egress probes' curl", () => {
  it('ignores a curlrc the agent planted in the HOME the probes run with', async () => {
    const up = await qms(repo!, ['up', '--no-attach', '--json']);
    expect(up.code, transcript(up)).toBe(0);
    // As the agent: a trace of every transfer, and a transfer of its own that ends after the
    // probes' (a connection to an address that never answers) printing "proxy-outside connected".
    execAs('1000:1000', `mkdir -p "$HOME/.config" && printf '%s\\n' 'trace-ascii = "${TRACE}"' 'url = "http://192.0.2.1/"' 'noproxy = "*"' 'connect-timeout = 2' 'output = "/dev/null"' 'write-out = "proxy-outside 0 -\\n"' 'next' > "$HOME/.config/curlrc" && chmod 644 "$HOME/.config/curlrc"`);
    // The plant works: a plain curl as the probes' uid reads it.
    expect(execAs('65532:65532', `curl -s -o /dev/null --max-time 1 file:///dev/null; test -e ${TRACE} && echo read`)).toMatch(/^read$/m);
    execAs('0', `rm -f ${TRACE}`);

    const verify = await qms(repo!, ['verify']);
    expect(verify.code, transcript(verify)).toBe(0);
    const egress = latestVerification().checks.filter((c) => c.id.startsWith('egress:'));
    expect(egress.map((c) => [c.id, c.result]).sort()).toEqual([['egress:allowed', 'pass'], ['egress:bypass', 'pass'], ['egress:denied', 'pass'], ['egress:host-port', 'pass'], ['egress:network', 'pass']]);
    expect(egress.find((c) => c.id === 'egress:bypass')!.actual).toContain('proxy-outside: no connection');
    expect(execAs('0', `test -e ${TRACE} && echo traced || echo none`).trim()).toBe('none');
  });
});
