/** The one JSON Schema validator the built-in servers share: one instance, each schema judged on its own. */
import { describe, expect, it } from 'vitest';
import { sharedJsonSchemaValidator } from './json-schema-validator.js';

describe('sharedJsonSchemaValidator', () => {
  it('is one instance for every server of the process, and keeps schemas apart', async () => {
    const [a, b] = await Promise.all([sharedJsonSchemaValidator(), sharedJsonSchemaValidator()]);
    expect(a).toBe(b);
    const count = a.getValidator({ type: 'object', properties: { n: { type: 'integer', minimum: 1 } }, required: ['n'] });
    const mail = b.getValidator({ type: 'object', properties: { to: { type: 'string', format: 'email' } }, required: ['to'] });
    expect(count({ n: 2 }).valid).toBe(true);
    expect(count({ n: 0 }).valid).toBe(false);
    expect(mail({ to: 'qa@example.invalid' }).valid).toBe(true);
    expect(mail({ to: 'not an address' }).valid).toBe(false);
    expect(count({ to: 'qa@example.invalid' }).valid).toBe(false);
  });
});
