/**
 * Builds the local Debian base image without any registry: debootstrap the recipe's minimal
 * root from the machine's apt mirror, copy the host's extra CA certificates in and run
 * `update-ca-certificates` there, drop apt's caches, and stream the root as a tar into the
 * engine's image import under the recipe's tag. Needs root (directly or `sudo -n`).
 */
import { spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { QmsError } from '../../tasks/errors.js';
import { asRoot, findCommand, rootVia, type RootVia } from '../docker-engine/privileged.js';
import type { LocalBaseRecipe } from './local-base-recipe.js';

export interface BaseBuildIo {
  /** Progress, one line at a time (debootstrap's own lines included). */
  onLine: (line: string) => void;
  /** The few lines saying what happens (default: `onLine`). */
  info?: (line: string) => void;
  signal?: AbortSignal;
}

const TAIL = 30;

/** Runs argv, streaming its output lines; rejects with the last lines when it fails. */
function run(argv: [string, string[]], io: BaseBuildIo, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv[1], { stdio: ['ignore', 'pipe', 'pipe'], signal: io.signal });
    const tail: string[] = [];
    let pending = '';
    const take = (chunk: Buffer) => {
      const parts = (pending + chunk.toString()).split('\n');
      pending = parts.pop() ?? '';
      for (const line of parts) {
        io.onLine(line);
        tail.push(line);
        if (tail.length > TAIL) tail.shift();
      }
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.once('error', (err) => reject(new QmsError(`${what} could not run: ${err.message}`, 'See the lines above.')));
    child.once('close', (code) => {
      if (pending) take(Buffer.from('\n'));
      if (code === 0) return resolve();
      reject(new QmsError(`${what} failed (exit ${code}). Last lines:\n${tail.map((l) => `  ${l}`).join('\n')}`, 'Check the mirror (QMS_DEBIAN_MIRROR overrides the one apt uses) and the disk space, then run again.'));
    });
  });
}

/** Streams `tar -c` of the root into `POST /images/create?fromSrc=-`; returns the image ID. */
async function importRoot(docker: Docker, via: RootVia, root: string, tag: string, io: BaseBuildIo): Promise<string> {
  const [cmd, args] = asRoot(via, 'tar', ['--numeric-owner', '-C', root, '-c', '.']);
  const tar = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], signal: io.signal });
  let tarErr = '';
  tar.stderr.on('data', (d: Buffer) => (tarErr += d.toString()));
  const tarDone = new Promise<number | null>((resolve) => tar.once('close', resolve));
  const [repo, version] = splitTag(tag);
  const response = await docker.importImage(tar.stdout, { repo, tag: version, changes: ['CMD ["/bin/bash"]'], abortSignal: io.signal } as {});
  let body = '';
  for await (const chunk of response) body += (chunk as Buffer).toString();
  const code = await tarDone;
  const error = body.split('\n').map((l) => parseJson(l)).find((m) => m?.error)?.error;
  if (code !== 0 || error) {
    throw new QmsError(`Importing the local base ${tag} failed: ${error ?? `tar exited ${code}: ${tarErr.trim()}`}`, 'Check the engine\'s disk space, then run again.');
  }
  const info = await docker.getImage(tag).inspect();
  return info.Id;
}

function parseJson(line: string): { error?: string } | undefined {
  try {
    return JSON.parse(line) as { error?: string };
  } catch {
    return undefined;
  }
}

function splitTag(tag: string): [string, string] {
  const at = tag.lastIndexOf(':');
  return at > tag.lastIndexOf('/') ? [tag.slice(0, at), tag.slice(at + 1)] : [tag, 'latest'];
}

/** Builds the recipe's image under `recipe.tag`; returns its ID. */
export async function buildLocalBase(docker: Docker, recipe: LocalBaseRecipe, io: BaseBuildIo): Promise<string> {
  const debootstrap = findCommand('debootstrap');
  if (!debootstrap) {
    throw new QmsError(
      'Building the local Debian base needs debootstrap, which is not installed.',
      'Install it (`sudo apt-get install debootstrap`), or set QMS_BASE_IMAGE to a base image the engine has.',
    );
  }
  const via = rootVia();
  if (!via) {
    throw new QmsError(
      'Building the local Debian base needs root (debootstrap and chroot), and sudo asks for a password.',
      'Run `sudo npm run docker:base` once (it builds the same tagged base), or set QMS_BASE_IMAGE to a base image the engine has.',
    );
  }
  const root = await mkdtemp(join(tmpdir(), 'qms-base-'));
  try {
    await run(
      asRoot(via, debootstrap, [`--variant=${recipe.variant}`, `--include=${recipe.packages.join(',')}`, recipe.suite, root, recipe.mirror]),
      io,
      'debootstrap',
    );
    if (recipe.caCerts.length > 0) {
      (io.info ?? io.onLine)(`trusting ${recipe.caCerts.length} extra CA certificate(s) of this host: ${recipe.caCerts.join(', ')}`);
      await run(asRoot(via, 'cp', [...recipe.caCerts, join(root, 'usr/local/share/ca-certificates/')]), io, 'copying the CA certificates');
      await run(asRoot(via, 'chroot', [root, 'update-ca-certificates']), io, 'update-ca-certificates in the base');
    }
    // A smaller image; apt in the Dockerfile fetches fresh lists anyway.
    await run(asRoot(via, 'sh', ['-c', 'rm -rf "$1"/var/cache/apt/archives/*.deb "$1"/var/lib/apt/lists/*', 'sh', root]), io, 'cleaning apt caches');
    (io.info ?? io.onLine)(`importing the root as ${recipe.tag}`);
    return await importRoot(docker, via, root, recipe.tag, io);
  } finally {
    await run(asRoot(via, 'rm', ['-rf', '--one-file-system', root]), { onLine: () => undefined }, 'removing the build root').catch(() => undefined);
  }
}
