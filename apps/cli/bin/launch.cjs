// Which entry the `osprio` launcher runs. `osprio status …` runs the status-only bundle, every other
// command the whole one (apps/cli/dist, `npm run build:cli`), each only while no source it was built
// from is newer than it, so an edit or a checkout without a rebuild never runs stale code.
// OSPRIO_CLI_FROM_SOURCE=1 forces the TypeScript sources (the tests set it).
'use strict';
const { readFileSync, statSync } = require('node:fs');
const { fileURLToPath } = require('node:url');

/**
 * @param {URL} dist the bundle directory (holds main.js, status.cjs and inputs.json)
 * @param {URL} root the repository root the manifest's paths are relative to
 * @param {readonly string[]} argv the arguments after `osprio`
 * @param {Record<string, string | undefined>} env
 * @returns {'status.cjs' | 'main.js' | 'sources'}
 */
function chooseEntry(dist, root, argv, env) {
  if (env.OSPRIO_CLI_FROM_SOURCE === '1') return 'sources';
  const entry = argv[0] === 'status' ? 'status.cjs' : 'main.js';
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(new URL('inputs.json', dist), 'utf8'));
    statSync(new URL(entry, dist));
  } catch {
    return 'sources'; // not built
  }
  const inputs = manifest.inputs && manifest.inputs[entry];
  if (!Array.isArray(inputs) || typeof manifest.builtAt !== 'number') return 'sources';
  // Plain paths, not a URL per source, and only this bundle's sources: this runs at every start.
  const base = fileURLToPath(new URL('./', root));
  try {
    for (const p of inputs) if (statSync(base + p).mtimeMs > manifest.builtAt) return 'sources';
  } catch {
    return 'sources'; // a source was removed or renamed
  }
  return entry;
}

module.exports = { chooseEntry };
