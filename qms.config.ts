// Placeholder until the plugins are wired (the lead replaces this with the real `up`/`down` chains).
import { defineConfig } from 'qms';

export default defineConfig({
  tasks: [
    { name: 'compile', description: 'compile TypeScript to dist/', run: async (ctx) => void (await ctx.$`npx tsc -p tsconfig.build.json`) },
    { name: 'typecheck', description: 'typecheck sources and tests', run: async (ctx) => void (await ctx.$`npx tsc -p tsconfig.json --noEmit`) },
  ],
  chains: {},
});
