/** The version of this qms package, for the evidence. */
import { packageVersion } from '../mcp-server/package-root.js';

export async function qmsVersion(): Promise<string> {
  try {
    return packageVersion();
  } catch {
    return 'unknown'; // no qms package.json above us: the evidence says so rather than failing
  }
}
