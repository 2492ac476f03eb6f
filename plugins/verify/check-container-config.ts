/**
 * Check (6): limits and security options of the running container, from `docker inspect`:
 * CPUs, memory, pids, nofile as configured; no-new-privileges; all capabilities dropped; not
 * privileged; no Docker socket mounted; each mount read-only or read-write as the container's
 * access table says (masks read-only too; anything not in the table must be read-only).
 */
import type { ContainerInspectInfo } from 'dockerode';
import { expectedMounts, type AccessRow } from '../container/access-table.js';
import { CONTAINER_ROOT } from '../container/container-paths.js';
import { record, type CheckRecord } from './report.js';

export interface ExpectedLimits {
  cpus: number;
  /** Bytes. */
  memory: number;
  pids: number;
  nofile: { soft: number; hard: number };
}

const gib = (bytes: number): string => `${bytes} bytes (${(bytes / 1024 ** 3).toFixed(2)} GiB)`;

export function checkContainerConfig(info: ContainerInspectInfo, expected: ExpectedLimits, rows: readonly AccessRow[], started: Date): CheckRecord[] {
  const hc = info.HostConfig as ContainerInspectInfo['HostConfig'] & {
    NanoCpus?: number;
    PidsLimit?: number | null;
    Ulimits?: Array<{ Name: string; Soft: number; Hard: number }> | null;
    SecurityOpt?: string[] | null;
    CapDrop?: string[] | null;
    Privileged?: boolean;
  };
  const how = 'docker inspect <container> (HostConfig, Mounts)';
  const rec = (id: string, title: string, expectedText: string, actual: string, ok: boolean): CheckRecord =>
    record({ id: `config:${id}`, group: 'container-config', title, how, expected: expectedText, actual, result: ok ? 'pass' : 'fail' }, started);
  const nofile = hc.Ulimits?.find((u) => u.Name === 'nofile');
  const secOpts: string[] = (hc.SecurityOpt ?? []) as string[];
  const capDrop = ((hc.CapDrop ?? []) as string[]).map((c: string) => c.toUpperCase());
  const sockMounts = info.Mounts.filter((m) => /docker\.sock$/.test(m.Source ?? '') || /docker\.sock$/.test(m.Destination ?? ''));
  const records = [
    rec('cpus', 'CPU limit', `${expected.cpus} CPUs (NanoCpus ${Math.round(expected.cpus * 1e9)})`, `NanoCpus ${hc.NanoCpus ?? 0}`, hc.NanoCpus === Math.round(expected.cpus * 1e9)),
    rec('memory', 'memory limit', gib(expected.memory), gib(hc.Memory ?? 0), hc.Memory === expected.memory),
    rec('pids', 'process limit', String(expected.pids), String(hc.PidsLimit ?? 'none'), hc.PidsLimit === expected.pids),
    rec(
      'nofile',
      'open files limit',
      `soft ${expected.nofile.soft}, hard ${expected.nofile.hard}`,
      nofile ? `soft ${nofile.Soft}, hard ${nofile.Hard}` : 'not set',
      nofile?.Soft === expected.nofile.soft && nofile?.Hard === expected.nofile.hard,
    ),
    rec('no-new-privileges', 'no-new-privileges security option', 'SecurityOpt contains no-new-privileges', `SecurityOpt ${JSON.stringify(secOpts)}`, secOpts.some((o: string) => /^no-new-privileges(?:[:=]true)?$/.test(o))),
    rec('cap-drop', 'all capabilities dropped', 'CapDrop contains ALL', `CapDrop ${JSON.stringify(capDrop)}`, capDrop.includes('ALL')),
    rec('privileged', 'not privileged', 'Privileged false', `Privileged ${String(hc.Privileged ?? false)}`, hc.Privileged !== true),
    rec('docker-socket', 'no Docker socket in the container', 'no mount of docker.sock', sockMounts.length ? sockMounts.map((m) => m.Destination).join(', ') : 'none', sockMounts.length === 0),
  ];
  const wanted = expectedMounts(rows);
  for (const m of info.Mounts) {
    const target = m.Destination.replace(/\/$/, '');
    const mustWrite = wanted.get(target) ?? false;
    const known = wanted.has(target);
    records.push(
      rec(
        `mount:${target}`,
        `mount ${target} is ${mustWrite ? 'read-write' : 'read-only'}${known ? '' : ' (not in the access table: must be read-only)'}`,
        mustWrite ? 'RW true' : 'RW false',
        `RW ${String(m.RW)} (${m.Type}${m.Type === 'volume' ? ` ${m.Name ?? ''}` : m.Source ? ` ${m.Source}` : ''})`,
        m.RW === mustWrite,
      ),
    );
  }
  const root = info.Mounts.find((m) => m.Destination.replace(/\/$/, '') === CONTAINER_ROOT);
  if (!root) records.push(rec(`mount:${CONTAINER_ROOT}`, `the project is mounted at ${CONTAINER_ROOT}`, 'a read-only bind mount', 'not mounted', false));
  return records;
}
