/**
 * The egress proxy's `qms status` row: whether it runs, what it allows, and how many decisions
 * its log holds (denied ones counted apart), so a user sees the policy next to the agents.
 */
import { readFile } from 'node:fs/promises';
import type Docker from 'dockerode';
import type { PluginContext, StatusRow } from '../../../tasks/types.js';
import { EGRESS_ROLE, LABEL } from '../names.js';
import { ROLE_LABEL } from './egress-container.js';
import { egressLogFile } from './egress-files.js';
import type { AllowRule } from './network-policy.js';

export async function egressStatusRows(ctx: PluginContext, docker: Docker): Promise<StatusRow[]> {
  const listed = await docker.listContainers({ all: true, filters: { label: [`${LABEL.root}=${ctx.root}`, `${ROLE_LABEL}=${EGRESS_ROLE}`] } });
  const log = await readFile(egressLogFile(ctx.root), 'utf8').catch(() => '');
  const lines = log.split('\n').filter(Boolean);
  const denied = lines.filter((l) => l.includes('"decision":"denied"')).length;
  return Promise.all(
    listed.map(async (c): Promise<StatusRow> => {
      const info = await docker.getContainer(c.Id).inspect();
      const rulesJson = info.Config.Env?.find((e) => e.startsWith('QMS_EGRESS_RULES='))?.slice('QMS_EGRESS_RULES='.length) ?? '[]';
      const rules = JSON.parse(rulesJson) as AllowRule[];
      return {
        plugin: 'container',
        id: info.Name.replace(/^\//, ''),
        kind: 'egress-proxy',
        state: info.State.Status,
        healthy: info.State.Running,
        details: { allow: rules.map((r) => r.entry).join(', '), decisions: lines.length, denied, log: egressLogFile(ctx.root) },
      };
    }),
  );
}
