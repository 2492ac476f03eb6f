/** The option check every built-in plugin factory uses: unknown keys rejected with a did-you-mean. */
import { describe, expect, it } from 'vitest';
import { container } from '../../plugins/container/index.js';
import { session } from '../../plugins/session/index.js';
import { verify } from '../../plugins/verify/index.js';
import { auth } from '../../plugins/auth/index.js';
import { gitMcp, qmsMcp } from '../../plugins/mcp-server/builtin-servers.js';
import { ConfigError } from '../../tasks/errors.js';
import { anyValue, checkPluginOptions, z } from '../../tasks/config/plugin-options.js';

const shape = { port: z.number().int().positive().optional(), host: anyValue() };

describe('checkPluginOptions', () => {
  it('passes known options through', () => {
    expect(checkPluginOptions('server', shape, { port: 8000, host: 'x' })).toEqual({ port: 8000, host: 'x' });
    expect(checkPluginOptions('server', shape, undefined)).toEqual({});
  });

  it('rejects an unknown key with a did-you-mean, naming the factory and the key', () => {
    const err = (() => {
      try {
        checkPluginOptions('server', shape, { prot: 1 });
      } catch (e) {
        return e as ConfigError;
      }
    })();
    expect(err).toBeInstanceOf(ConfigError);
    expect(err?.message).toBe('server(): unknown option `prot` (did you mean "port"?)');
    expect(err?.key).toBe('prot');
    expect(err?.hint).toBe('server() takes: port, host');
  });

  it('names wrong types, NaN and a non-object', () => {
    expect(() => checkPluginOptions('server', shape, { port: 'x' })).toThrow('server(): option `port`: expected number, got string');
    expect(() => checkPluginOptions('server', shape, { port: Number.NaN })).toThrow('server(): option `port`: expected number, got NaN');
    expect(() => checkPluginOptions('server', shape, 'x')).toThrow('server() takes an options object, got string');
  });

  it('built-in factories use it: container, session, verify, auth, qmsMcp, gitMcp', () => {
    expect(() => container({ agnet: 'claude' } as never)).toThrow('container(): unknown option `agnet`');
    expect(() => container({ atachAfter: ['verify'] } as never)).toThrow('container(): unknown option `atachAfter` (did you mean "attachAfter"?)');
    expect(() => session({ agnet: 'claude' } as never)).toThrow('session(): unknown option `agnet`');
    expect(() => verify({ mcpServer: [] } as never)).toThrow('verify(): unknown option `mcpServer` (did you mean "mcpServers"?)');
    expect(() => auth({ envFile: [] } as never)).toThrow('auth(): unknown option `envFile` (did you mean "envFiles"?)');
    expect(() => qmsMcp({ prot: 8000 } as never)).toThrow('qmsMcp(): unknown option `prot` (did you mean "port"?)');
    expect(() => gitMcp({ polcy: {} } as never)).toThrow('gitMcp(): unknown option `polcy` (did you mean "policy"?)');
    expect(container({ after: ['auth'] }).name).toBe('container');
    expect(qmsMcp({ port: 8000 }).name).toBe('mcp-qms');
  });
});
