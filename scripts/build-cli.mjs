// `npm run build:cli` (part of `prepare`, so `npm ci` runs it): bundles the `osprio` CLI with esbuild
// into apps/cli/dist, so a start does not pay tsx compiling the sources (≈0.4 s). Two bundles:
// - main.js, ES modules: the whole CLI. Subcommands stay lazy: code splitting turns each
//   `await import()` into its own chunk.
// - status.cjs, one CommonJS file holding `osprio status` and nothing else (status-main.ts): the
//   check a technician runs most starts without the ES module loader and without loading chunks,
//   ≈15 ms of a ≈60 ms start on top of bare node.
// apps/cli/bin/osprio.js uses a bundle only while it is newer than every source it was built from
// (dist/inputs.json); tests run the TypeScript (OSPRIO_CLI_FROM_SOURCE=1, set in vitest.config.ts).
import { build } from 'esbuild';
import { rmSync, writeFileSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// --outdir DIR builds elsewhere (the bundle test); the launcher only ever looks in apps/cli/dist.
const at = process.argv.indexOf('--outdir');
const outdir =
  at > 0 && process.argv[at + 1] ? resolve(process.argv[at + 1]) : join(root, 'apps/cli/dist');

// Node-only modules that the sources import through a run-time URL (so browser bundlers leave them
// out): `import(/* @vite-ignore */ nodeOnly('./x.ts'))` or `import(/* @vite-ignore */ new URL('./x.ts',
// import.meta.url).href)`. In the CLI bundle they become plain lazy imports, chunked like the rest.
const RUNTIME_URL_IMPORT =
  /import\(\s*\/\*\s*@vite-ignore\s*\*\/\s*(?:nodeOnly\(\s*('[^']+\.ts')\s*\)|new URL\(\s*('[^']+\.ts')\s*,\s*import\.meta\.url\s*\)\.href)\s*\)/g;

/** @type {import('esbuild').Plugin} */
const runtimeUrlImports = {
  name: 'osprio-runtime-url-imports',
  setup(b) {
    b.onLoad({ filter: /[\\/]packages[\\/][^\\/]+[\\/]src[\\/].*\.ts$/ }, (args) => {
      const text = readFileSync(args.path, 'utf8');
      if (!text.includes('@vite-ignore')) return undefined;
      return {
        contents: text.replace(RUNTIME_URL_IMPORT, (_m, a, b2) => `import(${a ?? b2})`),
        loader: 'ts',
      };
    });
  },
};

rmSync(outdir, { recursive: true, force: true });
const common = {
  absWorkingDir: root,
  bundle: true,
  platform: 'node',
  target: 'node20',
  // serialport loads native bindings at run time; ws probes optional native add-ons in try/catch.
  external: ['serialport', '@serialport/*', 'bufferutil', 'utf-8-validate'],
  plugins: [runtimeUrlImports],
  metafile: true,
  legalComments: 'none',
  logLevel: 'warning',
};
const result = await build({
  ...common,
  entryPoints: { main: 'apps/cli/src/main.ts' },
  outdir,
  splitting: true,
  format: 'esm',
  chunkNames: 'chunks/[name]-[hash]',
  // CommonJS dependencies (commander, ws) call require() for Node built-ins.
  banner: {
    js: "import { createRequire as __osprioCreateRequire } from 'node:module'; const require = __osprioCreateRequire(import.meta.url);",
  },
});
const statusResult = await build({
  ...common,
  entryPoints: ['apps/cli/src/status-main.ts'],
  outfile: join(outdir, 'status.cjs'),
  format: 'cjs',
  logLevel: 'silent',
});
// In CommonJS esbuild turns import.meta into {}: a source on the status path that uses it would
// misbehave only at run time, so any warning fails the build.
if (statusResult.warnings.length > 0)
  throw new Error(
    `build:cli: status.cjs: ${statusResult.warnings.map((w) => `${w.location?.file ?? ''}: ${w.text}`).join('; ')}`,
  );

// A run-time URL import the plugin did not rewrite would point at a .ts file that is not in dist.
for (const f of readdirSync(outdir, { recursive: true })) {
  const p = join(outdir, String(f));
  if (!p.endsWith('.js') && !p.endsWith('.cjs')) continue;
  const text = readFileSync(p, 'utf8');
  if (
    /new URL\(\s*["'][^"']+\.ts["']\s*,\s*import\.meta\.url/.test(text) ||
    /nodeOnly\(\s*["'][^"']+\.ts["']/.test(text)
  ) {
    throw new Error(
      `build:cli: ${relative(root, p)} still imports a .ts file by URL; teach scripts/build-cli.mjs that pattern`,
    );
  }
}

// The workspace sources each bundle was built from: the launcher falls back to the sources when one
// is newer than the bundle (an edit or a checkout without a rebuild); a status start checks only
// the ones status.cjs holds.
const sourcesOf = (r) =>
  Object.keys(r.metafile.inputs)
    .filter((p) => !p.includes('node_modules/'))
    .sort();
const inputs = { 'main.js': sourcesOf(result), 'status.cjs': sourcesOf(statusResult) };
const all = [...new Set([...inputs['main.js'], ...inputs['status.cjs']])];
const builtAt = Math.max(...all.map((p) => statSync(join(root, p)).mtimeMs));
writeFileSync(
  join(outdir, 'inputs.json'),
  JSON.stringify({ builtAt: Math.max(builtAt, Date.now()), inputs }) + '\n',
);
console.log(`build:cli: ${relative(root, outdir)} (${all.length} sources)`);
