/**
 * Where the egress proxy's pieces are, defined once: its compiled code (mounted into its
 * container), the host folder of its decision log (`.qms/egress/`), the in-container paths, the
 * proxy's port and the name the agents reach it by.
 */
import { basename, join } from 'node:path';
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
  /** The probe a verification running now issued (`ProbeIssue`: nonce, until, control port): only its requests are marked as probes. */
  probeFile: '/qms-egress/log/probe.json',
  /** The positive control's outcome for that nonce, written by the proxy (`ProbeControl`). */
  probeControlFile: '/qms-egress/log/probe-control.json',
} as const;

/** The proxy's code as built (`npm run build`): dist/plugins/container/egress/egress-proxy.js. */
export const proxyScript = (): string => join(packageRoot(), 'dist', 'plugins', 'container', 'egress', 'egress-proxy.js');

/** The host folder mounted at `EGRESS.logDir`; the files below are the host's side of those in it. */
export const egressLogDir = (root: string): string => join(qmsDir(root), 'egress');
const onHost = (inContainer: string) => (root: string): string => join(egressLogDir(root), basename(inContainer));
export const egressLogFile = onHost(EGRESS.logFile);
export const hostAddressesFile = onHost(EGRESS.blockedFile);
export const probeNonceFile = onHost(EGRESS.probeFile);
export const probeControlFile = onHost(EGRESS.probeControlFile);

/** What an agent container's env points its tools at. */
export const proxyUrl = `http://${EGRESS.alias}:${EGRESS.port}`;
