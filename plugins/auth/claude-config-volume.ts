/** Name of the named volume that keeps Claude Code's login (`/claude-config`): the container plugin's own naming. */
export { configVolumeName as claudeConfigVolume } from '../container/names.js';
