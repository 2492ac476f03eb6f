/**
 * Where the egress proxy's pieces are, defined once: its compiled code (mounted into its
 * container), the host folder of its decision log (`.qms/egress/`), the in-container paths, the
 * proxy's port and the name the agents reach it by.
 */
import { join } from 'node:path';
import { packageRoot } from '../../mcp-server/package-root.js';
import { qmsDir } from '../../../tasks/state/qms-dir.js';

export const EGRESS = {
  /** The proxy's port, on its address in the agents' network. */
  port: 3128,
  /** Its aliases there: the proxy's name, and the host's (it forwards the MCP servers' ports). */
  alias: 'qms-egress',
  hostAlias: 'host.docker.internal',
  /** Its name for the real host (the engine's host-gateway), where the MCP servers listen. */
  upstream: 'qms-host',
  script: '/qms-egress/proxy.mjs',
  logDir: '/qms-egress/log',
  logFile: '/qms-egress/log/egress.ndjson',
  /** The host's addresses as `qms up` last saw them (JSON list), which no allowed name may lead to. */
  blockedFile: '/qms-egress/log/host-addresses.json',
  /** The probe nonce a verification running now issued (`{ nonce, until }`): only its requests are marked as probes. */
  probeFile: '/qms-egress/log/probe.json',
} as const;

/** The proxy's code as built (`npm run build`): dist/plugins/container/egress/egress-proxy.js. */
export const proxyScript = (): string => join(packageRoot(), 'dist', 'plugins', 'container', 'egress', 'egress-proxy.js');

export const egressLogDir = (root: string): string => join(qmsDir(root), 'egress');
export const egressLogFile = (root: string): string => join(egressLogDir(root), 'egress.ndjson');
export const hostAddressesFile = (root: string): string => join(egressLogDir(root), 'host-addresses.json');
export const probeNonceFile = (root: string): string => join(egressLogDir(root), 'probe.json');

/** What an agent container's env points its tools at. */
export const proxyUrl = `http://${EGRESS.alias}:${EGRESS.port}`;
