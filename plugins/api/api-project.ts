/**
 * The project the API serves, opened once at start-up the way every CLI command opens it
 * (`--config`, else the nearest `qms.config.*`): config with its roster, env, redactor, state.
 */
import { openProject, type Project } from '../../tasks/cli/project.js';

export type ApiProject = Project;

export function openApiProject(configFile: string | undefined): Promise<ApiProject> {
  return openProject(configFile ? { config: configFile } : {});
}
