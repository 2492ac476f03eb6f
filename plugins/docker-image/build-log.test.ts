import { describe, expect, it } from 'vitest';
import { BuildLog } from './build-log.js';

const msg = (m: object) => `${JSON.stringify(m)}\n`;

describe('BuildLog', () => {
  it('joins stream fragments split across chunks into whole lines', () => {
    const lines: string[] = [];
    const log = new BuildLog((l) => lines.push(l));
    const body = msg({ stream: 'Step 1/2 : FROM base\n' }) + msg({ stream: ' ---> abc\nStep 2/2 : RUN x\n' }) + msg({ stream: 'partial ' }) + msg({ stream: 'line\n' });
    // Split the raw body at awkward places, mid-JSON included.
    for (let i = 0; i < body.length; i += 7) log.push(Buffer.from(body.slice(i, i + 7)));
    log.push(msg({ aux: { ID: 'sha256:feed' } }));
    log.end();
    expect(lines).toEqual(['Step 1/2 : FROM base', ' ---> abc', 'Step 2/2 : RUN x', 'partial line']);
    expect(log.step).toBe('Step 2/2 : RUN x');
    expect(log.imageId).toBe('sha256:feed');
    expect(log.error).toBeUndefined();
  });

  it('keeps the failing step and its last 20 lines, without colours or builder chatter', () => {
    const log = new BuildLog(() => undefined);
    log.push(msg({ stream: 'Step 1/2 : FROM base\nold step output\n' }));
    log.push(msg({ stream: 'Step 2/2 : RUN make\n ---> Running in 123\n' }));
    for (let i = 1; i <= 25; i++) log.push(msg({ stream: `out ${i}\n` }));
    log.push(msg({ stream: '\u001b[91mboom\n\u001b[0mRemoving intermediate container 123\n' }));
    log.push(msg({ error: 'returned a non-zero code: 2', errorDetail: { code: 2, message: 'returned a non-zero code: 2' } }));
    log.end();
    expect(log.step).toBe('Step 2/2 : RUN make');
    expect(log.error).toBe('returned a non-zero code: 2');
    const tail = log.lastLines();
    expect(tail).toHaveLength(20);
    expect(tail[0]).toBe('out 7');
    expect(tail.at(-1)).toBe('boom');
  });

  it('shows pull status lines but not progress bars', () => {
    const lines: string[] = [];
    const log = new BuildLog((l) => lines.push(l));
    log.push(msg({ status: 'Pulling from library/x', id: 'latest' }) + msg({ status: 'Downloading', progress: '[==>  ]', id: 'abc' }));
    log.end();
    expect(lines).toEqual(['latest: Pulling from library/x']);
  });
});
