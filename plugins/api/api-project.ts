/**
 * The project the API serves, opened the way every CLI command opens it (`--config`, else the
 * nearest `qms.config.*`): config with its roster, env, redactor, state. Opened again for every
 * request (evaluating a config takes a few ms once jiti's transform is cached), so an edited
 * `qms.config.ts` — a new agent, a changed chain — or `.env` is seen without a restart; a call
 * in progress keeps the project it started with.
 */
import { openProject, type Project } from '../../tasks/cli/project.js';
import { ConfigError } from '../../tasks/errors.js';
import { ApiError } from './api-error.js';

export type ApiProject = Project;

export function openApiProject(configFile: string | undefined): Promise<ApiProject> {
  return openProject(configFile ? { config: configFile } : {});
}

export class LiveProject {
  /**
   * `first`: the project as opened at start-up; `secrets`: values redacted from every answer
   * (the API token) besides the project's own.
   */
  constructor(
    readonly first: ApiProject,
    private readonly configFile: string | undefined,
    private readonly secrets: readonly string[],
  ) {}

  /** The project as the config says now; a config that no longer loads is a 500 naming its error. */
  async current(): Promise<ApiProject> {
    let project: ApiProject;
    try {
      project = await openProject(this.configFile ? { config: this.configFile } : {}, { fresh: true });
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      throw new ApiError(500, 'bad-config', `the project's config no longer loads: ${err.message}`, `${err.hint ?? 'Fix the config.'} (The API reads it again on every call: no restart needed.)`, err);
    }
    for (const s of this.secrets) project.redactor.add(s);
    return project;
  }
}
