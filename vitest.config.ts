import { defineConfig } from 'vitest/config';

// Integration tests share one Docker engine and fixed ports, so files run one at a time
// on this 2-core machine; tests inside a file still run as written.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'plugins/**/*.test.ts'],
    // A Docker engine and a base image, through the same code as `qms up` (see the file).
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 600_000,
    fileParallelism: false,
    pool: 'forks',
  },
});
