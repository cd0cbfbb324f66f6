// The test run StrykerJS mutates against (`npm run mutate`): the node project only, and only the
// suites of the two pure packages it mutates (packages/osdp, packages/provisioner). No browser, no
// CLI or device integration suites: they are slow and add nothing a unit suite does not catch.
import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

const sharedDir = fileURLToPath(new URL('../shared', import.meta.url));

export default defineConfig({
  server: { fs: { allow: ['.', sharedDir] } },
  test: {
    name: 'node',
    include: ['packages/osdp/test/**/*.test.ts', 'packages/provisioner/test/**/*.test.ts'],
    exclude: ['**/*.browser.test.ts'],
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
