// This repository's own task graph: `npx qms up` brings the agent environment up here too.
import { defineConfig, dockerEngine, auth, dockerImage, qmsMcp, gitMcp, session, container, verify } from 'qms';

export default defineConfig({
  // The roster: one container per agent (`qms up qa` starts only qa's); add reviewers with .claude/agents/<name>.md.
  agents: ['claude'],
  plugins: [
    dockerEngine(),
    auth(),
    dockerImage({ context: 'docker' }),
    qmsMcp({ port: 8000 }),
    gitMcp({ port: 8001 }),
    session(),
    container({ after: ['session', 'auth'], attachAfter: ['verify'] }),
    verify(),
  ],
  tasks: [
    { name: 'compile', description: 'compile TypeScript to dist/ (npm run build: tsc, then the start-up bundles)', run: async (ctx) => void (await ctx.$`npm run build`) },
    { name: 'typecheck', description: 'typecheck sources and tests', run: async (ctx) => void (await ctx.$`npx tsc -p tsconfig.json --noEmit`) },
  ],
  chains: {
    // engine first (its preflight may start one, asking on a terminal); then auth, build, the MCP
    // servers and the session run concurrently → container → verify → attach.
    up: ['engine', 'auth', 'build', 'mcp:qms', 'mcp:git', 'session', 'container', 'verify', 'attach'],
    down: ['container:down', 'mcp:qms:stop', 'mcp:git:stop', 'engine:down'],
  },
});
