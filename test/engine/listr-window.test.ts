/**
 * The TTY renderer with more tasks than the terminal has rows: while the run goes on it draws
 * a window (the running tasks, their last output line, one line counting the rest), never
 * the whole list; after the run the whole list is printed as on a small run.
 */
import { PassThrough } from 'node:stream';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import * as listr2Module from 'listr2';
import { color, DefaultRenderer, figures } from 'listr2';
import { createListrRenderer } from '../../tasks/render/listr-renderer.js';
import { narrowWidth, windowedRenderer } from '../../tasks/render/listr-window.js';
import type { RunEvent } from '../../tasks/run/events.js';
import { stripAnsi } from '../cli/pty.js';
import { configOf } from './harness.js';

const ROWS = 12;

function terminal() {
  const s = new PassThrough();
  let raw = '';
  s.on('data', (d: Buffer) => (raw += d.toString()));
  Object.assign(s, { isTTY: true, columns: 100, rows: ROWS });
  // log-update erases the previous frame and ends the erasing with "cursor to column 1".
  const lastFrame = () => {
    const at = raw.lastIndexOf('\u001b[G');
    return stripAnsi(at < 0 ? raw : raw.slice(at + 3)).trimEnd().split('\n');
  };
  return { stream: s as unknown as NodeJS.WriteStream, raw: () => raw, lastFrame };
}

describe('listr2 renderer with many tasks', () => {
  it('draws a bounded window while running and the whole list at the end', async () => {
    const names = Array.from({ length: 50 }, (_, i) => `t${i}`);
    const config = configOf(names.map((name) => ({ name, run: () => {} })));
    const out = terminal();
    const r = await createListrRenderer(config.tasks, out.stream, { forceTTY: true });
    const time = new Date().toISOString();
    const ev = (e: RunEvent) => r.event(e);
    ev({ type: 'run:start', time, tasks: names });
    for (const task of names.slice(0, 20)) {
      ev({ type: 'task:start', time, task, plugin: null, attempt: 1, interactive: false });
      ev({ type: 'task:success', time, task, durationMs: 1 });
    }
    for (const task of ['t20', 't21', 't22']) ev({ type: 'task:start', time, task, plugin: null, attempt: 1, interactive: false });
    ev({ type: 'task:output', time, task: 't21', stream: 'output', line: 'compiling part 7' });
    ev({ type: 'task:fail', time, task: 't22', plugin: null, durationMs: 1, kind: 'failed', reason: 'broke' });

    await vi.waitFor(() => expect(stripAnsi(out.raw())).toContain('waiting'));
    const frame = out.lastFrame();
    expect(frame.length).toBeLessThanOrEqual(ROWS - 2);
    expect(frame.some((l) => l.includes('t20 (running)'))).toBe(true);
    expect(frame.some((l) => l.includes('t21 (running)'))).toBe(true);
    expect(frame.some((l) => l.includes('compiling part 7'))).toBe(true);
    expect(frame.some((l) => l.includes('✖ t22'))).toBe(true);
    expect(frame.at(-1)).toContain('20 done · 1 failed · 27 waiting');
    // Nothing of the finished or waiting tasks is drawn one by one.
    expect(frame.some((l) => /\bt(5|49) /.test(l))).toBe(false);

    for (const task of names.slice(23)) {
      ev({ type: 'task:start', time, task, plugin: null, attempt: 1, interactive: false });
      ev({ type: 'task:success', time, task, durationMs: 1 });
    }
    for (const task of ['t20', 't21']) ev({ type: 'task:success', time, task, durationMs: 1 });
    ev({ type: 'run:end', time, durationMs: 5, ok: false, interrupted: false, notRun: [], counts: { succeeded: 49, skipped: 0, failed: 1 } });
    await r.close();
    const text = stripAnsi(out.raw());
    for (const task of names.filter((n) => n !== 't22')) expect(text).toMatch(new RegExp(`✔ ${task} 1ms\\n`));
    expect(text).toContain('✖ t22');
    expect(text).toContain('✖ failed in 5ms (49 succeeded, 0 skipped, 1 failed)');
  });
});

describe('listr2 line formatting without wrap-ansi', () => {
  type Format = (message: string, icon: string, level: number) => string[];
  const Windowed = windowedRenderer(listr2Module, { running: () => [], failed: () => [], lastOutput: () => undefined, counts: () => ({ done: 0, failed: 0, skipped: 0, waiting: 0, running: 0 }), rows: () => 40 });
  const renderer = new Windowed([], {}, undefined as unknown as ConstructorParameters<typeof DefaultRenderer>[2]);
  // render() sets these up (listr2 loads them lazily); the same modules listr2 would load.
  beforeAll(async () => Object.assign(renderer, { wrap: (await import('wrap-ansi')).default, truncate: (await import('cli-truncate')).default }));
  const fast = (renderer as unknown as { format: Format }).format.bind(renderer);
  const listr2 = (DefaultRenderer.prototype as unknown as { format: Format }).format.bind(renderer);
  const columns = process.stdout.columns ?? 80;
  const icons = ['', color.green(figures.tick), color.red(figures.cross), color.yellow('⠋'), figures.pointerSmall, color.dim(figures.squareSmallFilled)];

  it('gives what listr2 gives, for lines that fit and lines that do not', () => {
    const messages = [
      't0 6ms',
      'build (running)',
      '[container] container',
      color.dim('812 done · 2 failed · 140 waiting'),
      'trailing spaces   ',
      '   ',
      '',
      'naïve café … — “quoted” │ box',
      'x'.repeat(columns - 4),
      'x'.repeat(columns - 3),
      'x'.repeat(columns + 10),
      'word '.repeat(40),
      'wide 漢字 and emoji 🚀',
      'two\nlines',
      'tab\there',
      'soft\u00adhyphen',
    ];
    for (const icon of icons) for (const m of messages) for (const level of [0, 1, 2]) expect([icon, m, level, fast(m, icon, level)]).toEqual([icon, m, level, listr2(m, icon, level)]);
  });

  it('counts every character it treats as narrow as one column, as wrap-ansi does', () => {
    let narrow = 0;
    for (let c = 0; c <= 0x3100; c++) {
      const ch = String.fromCodePoint(c);
      if (narrowWidth(ch) !== 1) continue;
      narrow++;
      // Exactly as wide as listr2 allows after a two-column icon (columns - 2): one wider would wrap.
      const m = `a${ch.repeat(columns - 7)}b`;
      expect([c.toString(16), fast(m, figures.tick, 0)]).toEqual([c.toString(16), listr2(m, figures.tick, 0)]);
    }
    expect(narrow).toBeGreaterThan(300);
  });
});
