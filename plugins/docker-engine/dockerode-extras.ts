/**
 * dockerode loads, at its own load, packages qms rarely or never uses: gRPC with its protobuf
 * loader and uuid (only for a BuildKit session, `buildImage` with `version: '2'`), ssh2 (only
 * for an `ssh://` DOCKER_HOST) and tar-fs (only for a build context given as a folder; qms
 * streams its own). They were most of dockerode's load (~150 of ~255 ms of CPU here), paid by
 * every `qms up` before its first engine call. This puts stand-ins for them in the CommonJS
 * module cache that load the real package on first use, so a run that uses them sees no change.
 */
import { createRequire, Module } from 'node:module';

type Exports = Record<string | symbol, unknown>;
type Loader = () => Exports;

/** An object whose every property read loads the real module first (read only when used). */
const lazyNamespace = (load: Loader): object =>
  new Proxy({}, { get: (_, key) => load()[key], has: (_, key) => key in load(), ownKeys: () => Reflect.ownKeys(load()), getOwnPropertyDescriptor: (_, key) => Object.getOwnPropertyDescriptor(load(), key) });

/**
 * For a module whose exports are read at load (`require('ssh2').Client`, `require('uuid').v4`):
 * those are stand-ins that load on call or `new`; any other export loads at once.
 */
const lazyMembers =
  (...names: string[]) =>
  (load: Loader): object => {
    const members: Exports = Object.fromEntries(
      names.map((name) => [
        name,
        new Proxy(function standIn() {}, {
          apply: (_, self, args) => Reflect.apply(load()[name] as (...a: unknown[]) => unknown, self, args),
          construct: (_, args) => Reflect.construct(load()[name] as new (...a: unknown[]) => object, args),
        }),
      ]),
    );
    return new Proxy(members, { get: (_, key) => (key in members ? members[key] : load()[key]) });
  };

let installed = false;

/** Installs the stand-ins once, before dockerode is first required. */
export function deferDockerodeExtras(): void {
  if (installed) return;
  installed = true;
  const fromDockerode = createRequire(createRequire(import.meta.url).resolve('dockerode'));
  const fromModem = createRequire(fromDockerode.resolve('docker-modem'));
  const defer = (req: NodeJS.Require, id: string, standIn: (load: Loader) => object): void => {
    const file = req.resolve(id);
    if (req.cache[file]) return; // already loaded for real
    let real: Exports | undefined;
    const load: Loader = () => {
      if (!real) {
        delete req.cache[file];
        real = req(id) as Exports;
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
  defer(fromDockerode, 'uuid', lazyMembers('v4'));
  defer(fromDockerode, 'tar-fs', lazyNamespace);
  defer(fromModem, 'ssh2', lazyMembers('Client'));
}
