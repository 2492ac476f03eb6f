import { describe, expect, it } from 'vitest';
import { isSecretName, REDACTED, Redactor } from '../../tasks/env/redact.js';

describe('Redactor', () => {
  it('hides values of secret-looking keys, case-insensitively, and only values of 6+ characters', () => {
    const r = new Redactor();
    r.addFromEnv({ GH_TOKEN: 'ghp_abcdef123', db_password: 'hunter22', API_KEY: 'short', HOME: '/root', Anthropic_Auth: 'sk-ant-xyz' });
    expect(r.redact('token ghp_abcdef123, pw hunter22, key short, home /root, auth sk-ant-xyz')).toBe(
      `token ${REDACTED}, pw ${REDACTED}, key short, home /root, auth ${REDACTED}`,
    );
  });

  it('judges names by word: *_TOKEN, *_KEY, *SECRET*, *PASSWORD*, *_PAT…, not every name containing KEY/PASS/AUTH', () => {
    const secret = ['GH_TOKEN', 'ANTHROPIC_API_KEY', 'AWS_SECRET_ACCESS_KEY', 'CLIENT_SECRET', 'DB_PASSWORD', 'MYSQL_ROOT_PASSWORD', 'GITHUB_PAT', 'DB_PASS', 'SMTP_PASSWD', 'BASIC_AUTH', 'apiKey', 'npm-token', 'SSH_PRIVATE_KEY_DATA', 'TOKEN', 'GPG_PASSPHRASE'];
    const plain = ['GIT_AUTHOR_NAME', 'GIT_AUTHOR_EMAIL', 'KEYBOARD', 'COMPASS_DIR', 'PWD', 'OLDPWD', 'AUTHORITY', 'KEY_PATH', 'TOKEN_FILE', 'AWS_ACCESS_KEY_ID', 'PATH', 'HOME', 'PASSENGER_COUNT', 'MONKEY_BUSINESS', 'PATTERN'];
    expect(secret.filter((n) => !isSecretName(n))).toEqual([]);
    expect(plain.filter(isSecretName)).toEqual([]);
    const r = new Redactor();
    r.addFromEnv({ GIT_AUTHOR_NAME: 'Jane Doe-Smith', KEYBOARD: 'dvorak-layout', COMPASS_DIR: '/opt/compass', GH_TOKEN: 'ghp_abcdef123' });
    expect(r.redact('Jane Doe-Smith dvorak-layout /opt/compass ghp_abcdef123')).toBe(`Jane Doe-Smith dvorak-layout /opt/compass ${REDACTED}`);
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
