import { defineConfig } from 'vitest/config';
import { playwright } from '@vitest/browser-playwright';
import { fileURLToPath } from 'node:url';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './test-support/chromium.ts';

const sharedDir = fileURLToPath(new URL('../shared', import.meta.url));

export default defineConfig({
  server: { fs: { allow: ['.', sharedDir] } },
  test: {
    reporters: ['default', './test-support/summary-reporter.ts'],
    // The `osprio` launcher runs the TypeScript sources, never a (possibly stale) apps/cli/dist bundle.
    env: { OSPRIO_CLI_FROM_SOURCE: '1' },
    projects: [
      {
        extends: true,
        test: {
          name: 'node',
          include: ['packages/*/test/**/*.test.ts', 'apps/*/test/**/*.test.ts'],
          exclude: ['**/*.browser.test.ts'],
          environment: 'node',
          testTimeout: 30_000,
          hookTimeout: 30_000,
        },
      },
      {
        // The same vector suites, bundled by Vite and run in headless Debian Chromium.
        extends: true,
        test: {
          name: 'browser',
          include: ['packages/*/test/**/*.vectors.test.ts', 'packages/*/test/**/*.browser.test.ts'],
          browser: {
            enabled: true,
            headless: true,
            screenshotFailures: false,
            provider: playwright({
              launchOptions: {
                executablePath: CHROMIUM_PATH,
                args: [...CHROMIUM_ARGS],
              },
            }),
            instances: [{ browser: 'chromium' }],
          },
        },
      },
    ],
  },
});
