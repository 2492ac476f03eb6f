/**
 * What the local Debian base image is made of, and its content-addressed tag: a minimal
 * bookworm from the mirror apt already uses on this machine, trusting the host's extra CA
 * certificates (a TLS-intercepting proxy's). The tag is `<repository>:bookworm-<hash>` over
 * those inputs, so the base is built once per recipe and found again by name.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Env } from '../../tasks/types.js';

export const DEFAULT_LOCAL_BASE_REPOSITORY = 'qms-base';
const SUITE = 'bookworm';
const VARIANT = 'minbase';
const PACKAGES = ['git', 'curl', 'ca-certificates'] as const;
const CA_DIR = '/usr/local/share/ca-certificates';
const DEFAULT_MIRROR = 'http://deb.debian.org/debian';

export interface LocalBaseRecipe {
  /** `<repository>:bookworm-<12 hex>`. */
  tag: string;
  hash: string;
  suite: string;
  variant: string;
  packages: readonly string[];
  mirror: string;
  /** Absolute paths of the host's extra CA certificates copied into the image. */
  caCerts: string[];
}

/** The apt mirror of this machine: `QMS_DEBIAN_MIRROR`, else deb822 sources, else sources.list. */
export function aptMirror(env: Env, etc = '/etc/apt'): string {
  if (env.QMS_DEBIAN_MIRROR) return env.QMS_DEBIAN_MIRROR;
  const uris: string[] = [];
  const sourcesDir = join(etc, 'sources.list.d');
  let files: string[] = [];
  try {
    files = readdirSync(sourcesDir).filter((f) => f.endsWith('.sources')).sort();
  } catch {
    // no deb822 sources
  }
  for (const f of files) {
    for (const line of readText(join(sourcesDir, f)).split('\n')) {
      const m = /^URIs:\s*(\S+)/.exec(line);
      if (m?.[1]) uris.push(m[1]);
    }
  }
  for (const line of readText(join(etc, 'sources.list')).split('\n')) {
    const m = /^deb\s+(?:\[[^\]]*\]\s+)?(\S+)/.exec(line);
    if (m?.[1]) uris.push(m[1]);
  }
  // The security archive holds only updates; debootstrap needs the main archive.
  return uris.find((u) => !/security/.test(u)) ?? DEFAULT_MIRROR;
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** The host's extra CA certificates (`*.crt` in /usr/local/share/ca-certificates), sorted. */
export function hostCaCerts(dir = CA_DIR): string[] {
  try {
    return readdirSync(dir)
      .filter((f) => f.endsWith('.crt'))
      .sort()
      .map((f) => join(dir, f));
  } catch {
    return [];
  }
}

/** The recipe in effect on this machine; its repository: `QMS_LOCAL_BASE`, else `repository`, else `qms-base`. */
export function localBaseRecipe(env: Env, repository?: string, caDir?: string): LocalBaseRecipe {
  const repo = env.QMS_LOCAL_BASE || repository || DEFAULT_LOCAL_BASE_REPOSITORY;
  const mirror = aptMirror(env);
  const caCerts = hostCaCerts(caDir);
  const hash = createHash('sha256');
  hash.update(`qms-local-base-v1\0${SUITE}\0${VARIANT}\0${PACKAGES.join(',')}\0${mirror}\0`);
  for (const cert of caCerts) {
    hash.update(`${cert}\0`);
    hash.update(readFileSync(cert));
    hash.update('\0');
  }
  const hex = hash.digest('hex');
  return { tag: `${repo}:${SUITE}-${hex.slice(0, 12)}`, hash: hex, suite: SUITE, variant: VARIANT, packages: PACKAGES, mirror, caCerts };
}
