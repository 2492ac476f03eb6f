import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { deferDockerodeExtras } from './dockerode-extras.js';

const require = createRequire(import.meta.url);
const fromDockerode = createRequire(require.resolve('dockerode'));
const fromModem = createRequire(fromDockerode.resolve('docker-modem'));
const loaded = (pattern: RegExp): string[] => Object.keys(require.cache).filter((f) => pattern.test(f));

describe('deferDockerodeExtras', () => {
  it('loads dockerode without gRPC, protobuf, uuid, tar-fs or ssh2, and each real package on first use', () => {
    deferDockerodeExtras();
    const Docker = require('dockerode') as new (o: object) => { modem: unknown };
    expect(new Docker({ socketPath: '/nonexistent.sock' }).modem).toBeDefined();
    // Only the stand-ins are there: one cache entry each, at the package's main file.
    expect(loaded(/node_modules\/(protobufjs|@grpc\/grpc-js\/build\/src\/server|tar-fs\/|uuid\/)/).sort()).toEqual([fromDockerode.resolve('tar-fs'), fromDockerode.resolve('uuid')].sort());
    expect(loaded(/node_modules\/ssh2\//)).toEqual([fromModem.resolve('ssh2')]);

    const grpc = fromDockerode('@grpc/grpc-js') as { Server: unknown };
    expect(typeof grpc.Server).toBe('function');
    expect(loaded(/node_modules\/@grpc\/grpc-js\/build\/src\/server\.js$/)).toHaveLength(1);
    expect(typeof (fromDockerode('@grpc/proto-loader') as { loadSync: unknown }).loadSync).toBe('function');

    const uuid = fromDockerode('uuid') as { v4: () => string; validate: (s: string) => boolean };
    const id = uuid.v4();
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(uuid.validate(id)).toBe(true); // an export without a stand-in loads the real module

    expect(typeof (fromDockerode('tar-fs') as { pack: unknown }).pack).toBe('function');

    const { Client } = fromModem('ssh2') as { Client: new () => { on: unknown } };
    expect(typeof new Client().on).toBe('function');
    expect(loaded(/node_modules\/ssh2\/lib\/client\.js$/)).toHaveLength(1);
  });
});
