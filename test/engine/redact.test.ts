import { describe, expect, it } from 'vitest';
import { REDACTED, Redactor } from '../../tasks/env/redact.js';

describe('Redactor', () => {
  it('hides values of secret-looking keys, case-insensitively, and only values of 6+ characters', () => {
    const r = new Redactor();
    r.addFromEnv({ GH_TOKEN: 'ghp_abcdef123', db_password: 'hunter22', API_KEY: 'short', HOME: '/root', Anthropic_Auth: 'sk-ant-xyz' });
    expect(r.redact('token ghp_abcdef123, pw hunter22, key short, home /root, auth sk-ant-xyz')).toBe(
      `token ${REDACTED}, pw ${REDACTED}, key short, home /root, auth ${REDACTED}`,
    );
  });

  it('hides values registered at run time, longest first so overlapping secrets vanish whole', () => {
    const r = new Redactor(['abcdef']);
    r.add('abcdefghij');
    expect(r.redact('x abcdefghij y abcdef z')).toBe(`x ${REDACTED} y ${REDACTED} z`);
  });

  it('treats regex metacharacters in secrets literally', () => {
    const r = new Redactor(['a.b*c+d(e)']);
    expect(r.redact('axbbbc a.b*c+d(e)')).toBe(`axbbbc ${REDACTED}`);
  });

  it('redacts every string inside JSON-like values', () => {
    const r = new Redactor(['s3cr3t-value']);
    expect(r.redactDeep({ a: 's3cr3t-value', b: ['x s3cr3t-value'], c: 3, d: null })).toEqual({ a: REDACTED, b: [`x ${REDACTED}`], c: 3, d: null });
  });
});
