// The test run StrykerJS mutates against (`npm run mutate`): the node project only, and only the
// suites of the two pure packages it mutates (packages/osdp, packages/provisioner). No browser, no
// CLI or device integration suites: they are slow and add nothing a unit suite does not catch.
import { defineConfig } from 'vitest/config';
import { readdirSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// The shared vectors sit beside the repository (../shared). Stryker's sandbox is a copy one level
// deeper, so find them from the real repository: the sandbox's node_modules links back to it.
const sharedDir = join(
  dirname(realpathSync(fileURLToPath(new URL('./node_modules', import.meta.url)))),
  '../shared',
);

// Stryker runs this config inside its sandbox copy of the repository, but node_modules there is a
// link to the real one, whose @osprio/* links lead back to the unmutated sources: a test importing
// '@osprio/osdp' by name would never see a mutant. So every workspace package entry (from its
// package.json "exports") resolves to the copy next to this file.
const packagesDir = new URL('./packages/', import.meta.url);
const alias = readdirSync(packagesDir).flatMap((dir) => {
  const pkgUrl = new URL(`${dir}/package.json`, packagesDir);
  const pkg = JSON.parse(readFileSync(pkgUrl, 'utf8')) as {
    name: string;
    exports: Record<string, string>;
  };
  return Object.entries(pkg.exports).map(([sub, file]) => ({
    find: new RegExp(`^${pkg.name}${sub.slice(1).replace(/[/.]/g, '\\$&')}$`),
    replacement: fileURLToPath(new URL(file, pkgUrl)),
  }));
});
// test-support/shared.ts imports the vector files as '../../shared/…'.
alias.push({ find: /^\.\.\/\.\.\/shared\//, replacement: `${sharedDir}/` });

export default defineConfig({
  server: { fs: { allow: ['.', sharedDir] } },
  resolve: { alias },
  test: {
    name: 'node',
    // MUTATE_PACKAGE=osdp (or provisioner) judges a package by its own suite alone: that is the
    // per-package score, and it keeps each mutant's run to the tests that belong to it.
    include: (process.env.MUTATE_PACKAGE
      ? [process.env.MUTATE_PACKAGE]
      : ['osdp', 'provisioner']
    ).map((p) => `packages/${p}/test/**/*.test.ts`),
    exclude: ['**/*.browser.test.ts'],
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
