/** Chains where task names work, and the width-fitting table of `qms list`. */
import { describe, expect, it } from 'vitest';
import { expandTargets } from '../../tasks/graph/targets.js';
import { formatTable, outputWidth, wrapText } from '../../tasks/render/table.js';
import { configOf } from './harness.js';

describe('expandTargets', () => {
  const config = { ...configOf([{ name: 'lint', run() {} }, { name: 'test', run() {} }, { name: 'ci', run() {} }]), chains: { checks: ['lint', 'test'], ci: ['lint'] } };

  it('a chain stands for its tasks; a task of the same name wins; duplicates go', () => {
    expect(expandTargets(config, ['checks'])).toEqual(['lint', 'test']);
    expect(expandTargets(config, ['ci'])).toEqual(['ci']);
    expect(expandTargets(config, ['lint', 'checks'])).toEqual(['lint', 'test']);
  });

  it('an unknown name suggests tasks and chains', () => {
    expect(() => expandTargets(config, ['chekcs'])).toThrow('unknown task or chain "chekcs" (did you mean "checks"?)');
  });
});

describe('formatTable', () => {
  const rows = [
    ['TASK', 'DEPENDS ON', 'DESCRIPTION'],
    ['verify', 'auth, build, mcp:qms, mcp:git, session, container', 'proves from inside the container that the environment is safe and writes the evidence'],
  ];

  it('keeps natural widths when they fit', () => {
    expect(formatTable(rows, { width: Infinity, wrap: [1, 2] })).toHaveLength(2);
  });

  it('wraps the wrappable columns to fit the width, losing no word', () => {
    for (const width of [60, 80, 100]) {
      const lines = formatTable(rows, { width, wrap: [1, 2] });
      expect(Math.max(...lines.map((l) => l.length))).toBeLessThanOrEqual(width);
      const words = lines.join(' ').split(/[\s,]+/).filter(Boolean);
      for (const w of rows[1]!.join(' ').split(/[\s,]+/).filter(Boolean)) expect(words).toContain(w);
    }
  });

  it('wrapText breaks at spaces and splits words longer than the width', () => {
    expect(wrapText('a, b, c', 4)).toEqual(['a,', 'b, c']);
    expect(wrapText('/a/very/long/path', 6)).toEqual(['/a/ver', 'y/long', '/path']);
  });

  it('outputWidth: the terminal, else COLUMNS, else no limit', () => {
    expect(outputWidth({ isTTY: true, columns: 77 }, {})).toBe(77);
    expect(outputWidth({ isTTY: false }, { COLUMNS: '50' })).toBe(50);
    expect(outputWidth({ isTTY: false }, {})).toBe(Infinity);
  });
});
