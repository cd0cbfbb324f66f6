// End-to-end tests of the workspace in Debian's Chromium (never a downloaded browser). Each test
// file's fixture starts the same server `npm start` runs, in process, on temp state dirs
// (e2e/fixtures.ts); the page is the built workspace (npm run build:workspace first).
import { defineConfig } from '@playwright/test';
import { fileURLToPath } from 'node:url';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../test-support/chromium.ts';

const repo = fileURLToPath(new URL('../..', import.meta.url));

export default defineConfig({
  testDir: './e2e',
  outputDir: `${repo}/test-results/e2e`,
  // Two CPU cores are shared: one worker keeps timings sane.
  workers: 1,
  fullyParallel: false,
  forbidOnly: true,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: [['list'], [`${repo}/test-support/playwright-summary.ts`]],
  use: {
    browserName: 'chromium',
    viewport: { width: 1280, height: 720 },
    launchOptions: {
      executablePath: CHROMIUM_PATH,
      args: [...CHROMIUM_ARGS],
    },
    trace: 'off',
    screenshot: 'off',
  },
});
