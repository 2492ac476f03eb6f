/**
 * The default set-up `qms init` writes and a folder holding `QMS/` gets without a config: the
 * text of a commented `qms.config.ts` for the project found (a QMS repository or not, kept by
 * qms-cli or not, with its own docker/ image or not). One definition, used both ways, so the
 * zero-config run is exactly what `qms init` would write. This is the one place outside the
 * plugins that names them: the engine (tasks/) only evaluates the text.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

export interface ProjectFacts {
  root: string;
  /** A `QMS/` folder: a quality-managed repository. */
  qms: boolean;
  /** `qms-cli/qms.py`: qms-cli keeps the documents (the QMS MCP server then uses it). */
  qmsCli: boolean;
  /** `docker/Dockerfile` of the project's own; otherwise the image qms ships is built. */
  ownDockerfile: boolean;
  /** The build context, relative to the root. */
  dockerContext: string;
  /** `build`, `test`, `lint`… scripts of package.json, for a project that is not a QMS one. */
  npmScripts: string[];
}

const isDir = (p: string) => existsSync(p) && statSync(p).isDirectory();

export function detectProject(root: string, packagedDocker: string): ProjectFacts {
  const ownDockerfile = existsSync(join(root, 'docker', 'Dockerfile'));
  let npmScripts: string[] = [];
  try {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts?: Record<string, string> };
    npmScripts = Object.keys(pkg.scripts ?? {}).filter((s) => ['build', 'test', 'lint', 'typecheck', 'check'].includes(s));
  } catch {
    // no package.json (or not JSON): no npm tasks
  }
  return {
    root,
    qms: isDir(join(root, 'QMS')),
    qmsCli: existsSync(join(root, 'qms-cli', 'qms.py')),
    ownDockerfile,
    dockerContext: ownDockerfile ? 'docker' : relative(root, packagedDocker).split(sep).join('/'),
    npmScripts,
  };
}

/** What kind of project was found, in a few words (`qms init` and the zero-config notice say it). */
export function describeProject(f: ProjectFacts): string {
  if (!f.qms) return 'a project without QMS/';
  return `a QMS repository${f.qmsCli ? ' kept by qms-cli' : ''}`;
}

const q = (s: string) => JSON.stringify(s).replace(/^"|"$/g, "'");

export function defaultConfigSource(f: ProjectFacts): string {
  return f.qms ? qmsConfig(f) : plainConfig(f);
}

function qmsConfig(f: ProjectFacts): string {
  return `// qms.config.ts, written by \`qms init\` for ${describeProject(f)}.
// \`npx qms up\` brings up an isolated Docker environment for a Claude Code agent working on
// this repository, proves from inside the container that it is safe, and attaches Claude Code;
// \`npx qms down\` takes it down. \`npx qms list\` shows the tasks, \`npx qms --help\` the commands.
import { defineConfig, dockerEngine, auth, dockerImage, qmsMcp, gitMcp, session, container, verify } from 'qms';

export default defineConfig({
  // The agents (QMS users), one container each; add reviewers with .claude/agents/<name>.md.
  agents: ['claude'],
  plugins: [
    dockerEngine(), // a Docker engine answers (started only with your consent)
    auth(), // Claude credentials, GH_TOKEN, .env files private
    // The agent image: ${f.ownDockerfile ? 'this project\'s docker/Dockerfile' : 'the one qms ships (create docker/Dockerfile to use your own)'}.
    dockerImage({ context: ${q(f.dockerContext)} }),
    // The QMS MCP server over QMS/${f.qmsCli ? ' (through qms-cli/qms.py, found in this repository)' : ' (the built-in server; with qms-cli/qms.py it would use qms-cli)'}.
    qmsMcp({ port: 8000 }),
    gitMcp({ port: 8001 }), // git on the host through a controlled proxy
    session(), // .claude/sessions/Session-YYYY-MM-DD-NNN/
    // One container per agent; egress only through the project's proxy, to what Claude Code needs
    // plus network.allow (e.g. ['github.com', 'registry.npmjs.org']); network: 'open' turns that off.
    container({ after: ['session', 'auth'], attachAfter: ['verify'], network: { allow: [] } }),
    verify(), // checks from inside the container, evidence in the session folder
    // api({ port: 9000 }), // the project API and dashboard (import api; add 'api' to up, 'api:stop' to down)
  ],
  // Your own tasks may depend on these, e.g.
  // tasks: [{ name: 'smoke', dependsOn: ['verify'], run: async (ctx) => void (await ctx.$\`./smoke.sh\`) }],
  chains: {
    up: ['engine', 'auth', 'build', 'mcp:qms', 'mcp:git', 'session', 'container', 'verify', 'attach'],
    down: ['container:down', 'mcp:qms:stop', 'mcp:git:stop', 'engine:down'],
  },
});
`;
}

function plainConfig(f: ProjectFacts): string {
  const tasks = f.npmScripts.length
    ? f.npmScripts.map((s) => `    { name: ${q(s)}, description: 'npm run ${s}', run: async (ctx) => void (await ctx.$\`npm run ${s}\`) },`)
    : [`    { name: 'hello', description: 'an example task', run: (ctx) => ctx.log.info('hello from qms') },`];
  return `// qms.config.ts, written by \`qms init\` for ${describeProject(f)}.
// A task runs its dependencies first; \`sources\`/\`outputs\` make it skip while its inputs are
// unchanged. \`npx qms list\` shows the tasks, \`npx qms task <name>\` runs one.
import { defineConfig } from 'qms';
// For the Claude Code agent environment of a QMS repository (a QMS/ folder), run \`qms init\`
// there, or import the plugins: dockerEngine, auth, dockerImage, qmsMcp, gitMcp, session,
// container, verify.

export default defineConfig({
  tasks: [
${tasks.join('\n')}
  ],
  // Named sets of tasks: \`qms task ci\` runs them (with their dependencies).
  chains: { ci: [${(f.npmScripts.length ? f.npmScripts : ['hello']).map(q).join(', ')}] },
});
`;
}
