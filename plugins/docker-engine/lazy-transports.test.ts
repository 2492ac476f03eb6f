import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { deferDockerodeTransports } from './lazy-transports.js';

const require = createRequire(import.meta.url);
const fromDockerode = createRequire(require.resolve('dockerode'));
const fromModem = createRequire(fromDockerode.resolve('docker-modem'));
const loaded = (pattern: RegExp): string[] => Object.keys(require.cache).filter((f) => pattern.test(f));

describe('deferDockerodeTransports', () => {
  it('loads dockerode without gRPC, protobuf or ssh2, and the real packages on first use', () => {
    deferDockerodeTransports();
    const Docker = require('dockerode') as new (o: object) => { modem: unknown };
    expect(new Docker({ socketPath: '/nonexistent.sock' }).modem).toBeDefined();
    // Only the stand-ins (one cache entry each, at the package's main file) are there.
    expect(loaded(/node_modules\/(protobufjs|@grpc\/grpc-js\/build\/src\/server)/)).toEqual([]);
    expect(loaded(/node_modules\/ssh2\//)).toEqual([fromModem.resolve('ssh2')]);

    const grpc = fromDockerode('@grpc/grpc-js') as { Server: unknown; credentials: unknown };
    expect(typeof grpc.Server).toBe('function');
    expect(loaded(/node_modules\/@grpc\/grpc-js\/build\/src\/server\.js$/)).toHaveLength(1);
    const proto = fromDockerode('@grpc/proto-loader') as { loadSync: unknown };
    expect(typeof proto.loadSync).toBe('function');

    const { Client } = fromModem('ssh2') as { Client: new () => { on: unknown } };
    expect(typeof new Client().on).toBe('function');
    expect(loaded(/node_modules\/ssh2\/lib\/client\.js$/)).toHaveLength(1);
  });
});
