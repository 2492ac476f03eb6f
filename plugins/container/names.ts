/** Names and labels of a project's managed containers and volumes (so anyone can find them). */
export const LABEL = {
  project: 'qms.project',
  root: 'qms.root',
  agent: 'qms.agent',
  hash: 'qms.config-hash',
  /** An agent container's egress: `deny` (through the egress proxy) or `open`. */
  network: 'qms.network',
} as const;

/** Docker names allow `[a-zA-Z0-9][a-zA-Z0-9_.-]`; anything else becomes `-`. */
export function sanitise(name: string): string {
  const s = name.toLowerCase().replace(/[^a-z0-9_.-]+/g, '-').replace(/^[^a-z0-9]+/, '');
  return s || 'project';
}

export const containerName = (project: string, agent: string): string => `qms-${sanitise(project)}-${sanitise(agent)}`;
export const configVolumeName = (project: string, agent: string): string => `${containerName(project, agent)}-claude-config`;
export const stateId = (agent: string): string => `container:${agent}`;
/** `kind` of an agent container's state entry (`data.agent` names the agent). */
export const CONTAINER_STATE_KIND = 'container';

/** Label filter selecting every managed container (or volume) of the project at `root`. */
export function projectFilter(root: string, agent?: string): { label: string[] } {
  return { label: [`${LABEL.root}=${root}`, agent ? `${LABEL.agent}=${agent}` : LABEL.agent] };
}

/** `qms.role` of the project's egress proxy container (it has no `qms.agent` label). */
export const EGRESS_ROLE = 'egress';
/**
 * The project's egress proxy and its networks: each agent's own (internal, no route out; the
 * proxy joins it, so agents cannot reach one another) and the proxy's way out.
 */
export const egressNames = (project: string): { proxy: string; outsideNetwork: string; agentNetwork: (agent: string) => string } => ({
  proxy: `qms-${sanitise(project)}-egress`,
  outsideNetwork: `qms-${sanitise(project)}-outside`,
  agentNetwork: (agent) => `${containerName(project, agent)}-net`,
});
