/**
 * dockerode loads, at its own load, the transports qms rarely or never uses: gRPC with its
 * protobuf loader (only for a BuildKit session, `buildImage` with `version: '2'`) and ssh2 (only
 * for an `ssh://` DOCKER_HOST). They were half of dockerode's load (~115 of ~255 ms of CPU here),
 * paid on every `qms up` before the first engine call. This puts stand-ins for them in the
 * CommonJS module cache that load the real package on first use, so nothing changes for a run
 * that does use them.
 */
import { createRequire, Module } from 'node:module';

type Loader = () => Record<string | symbol, unknown>;

/** An object whose every property read loads the real module first. */
const lazyNamespace = (load: Loader): object =>
  new Proxy({}, { get: (_, key) => load()[key], has: (_, key) => key in load(), ownKeys: () => Reflect.ownKeys(load()), getOwnPropertyDescriptor: (_, key) => Object.getOwnPropertyDescriptor(load(), key) });

/** ssh2 as docker-modem reads it: `require('ssh2').Client` at load, constructed only for ssh://. */
const lazySsh2 = (load: Loader): object => ({
  Client: new Proxy(function Client() {}, {
    construct: (_, args) => new (load().Client as new (...a: unknown[]) => object)(...args),
  }),
});

let installed = false;

/** Installs the stand-ins once, before dockerode is first required. */
export function deferDockerodeTransports(): void {
  if (installed) return;
  installed = true;
  const fromDockerode = createRequire(createRequire(import.meta.url).resolve('dockerode'));
  const fromModem = createRequire(fromDockerode.resolve('docker-modem'));
  const defer = (req: NodeJS.Require, id: string, standIn: (load: Loader) => object): void => {
    const file = req.resolve(id);
    if (req.cache[file]) return; // already loaded for real
    let real: Record<string | symbol, unknown> | undefined;
    const load: Loader = () => {
      if (!real) {
        delete req.cache[file];
        real = req(id) as Record<string | symbol, unknown>;
      }
      return real;
    };
    const stub = new Module(file);
    stub.filename = file;
    stub.loaded = true;
    stub.exports = standIn(load);
    req.cache[file] = stub;
  };
  defer(fromDockerode, '@grpc/grpc-js', lazyNamespace);
  defer(fromDockerode, '@grpc/proto-loader', lazyNamespace);
  defer(fromModem, 'ssh2', lazySsh2);
}
