/** tokensFromEnv: the token → identity map a server reads from QMS_MCP_TOKEN / QMS_MCP_TOKENS, and what it refuses. */
import { describe, expect, it } from 'vitest';
import { QmsError } from '../../tasks/errors.js';
import { tokensFromEnv } from './serve-transport.js';

const T1 = 'a'.repeat(64);
const T2 = 'b'.repeat(64);

describe('tokensFromEnv', () => {
  it('maps QMS_MCP_TOKEN to the default identity and QMS_MCP_TOKENS to theirs, and deletes both from the env', () => {
    const env: NodeJS.ProcessEnv = { QMS_MCP_TOKEN: T1, QMS_MCP_TOKENS: JSON.stringify({ claude: T1, qa: T2 }), OTHER: 'x' };
    expect([...tokensFromEnv(env, 'claude')]).toEqual([[T1, 'claude'], [T2, 'qa']]);
    expect(env).toEqual({ OTHER: 'x' });
    expect([...tokensFromEnv({ QMS_MCP_TOKEN: T1 }, 'lead')]).toEqual([[T1, 'lead']]);
    expect(tokensFromEnv({}, 'claude').size).toBe(0);
  });

  it('refuses malformed maps, bad names, short tokens and a token shared by two agents', () => {
    for (const [value, message] of [
      ['{nope', /not valid JSON/],
      ['["a"]', /must be a JSON object/],
      [JSON.stringify({ 'Bad Name': T1 }), /is not an agent name/],
      [JSON.stringify({ qa: 'short' }), /at least 16 characters/],
      [JSON.stringify({ qa: T1, bu: T1 }), /qa and bu share one token/],
    ] as const) {
      const env: NodeJS.ProcessEnv = { QMS_MCP_TOKENS: value };
      let err: unknown;
      try {
        tokensFromEnv(env, 'claude');
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(QmsError);
      expect((err as Error).message).toMatch(message);
      expect((err as Error).message).not.toContain(T1);
      expect(env.QMS_MCP_TOKENS).toBeUndefined();
    }
  });
});
