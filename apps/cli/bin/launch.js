// Which entry the `osprio` launcher runs: the esbuild bundle (apps/cli/dist, `npm run build:cli`) only
// while no source it was built from is newer than it, so an edit or a checkout without a rebuild
// never runs stale code; OSPRIO_CLI_FROM_SOURCE=1 forces the sources (the tests set it).
import { readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * @param {URL} dist the bundle directory (holds main.js and inputs.json)
 * @param {URL} root the repository root the manifest's paths are relative to
 * @param {Record<string, string | undefined>} env
 * @returns {'bundle' | 'sources'}
 */
export function chooseEntry(dist, root, env) {
  if (env.OSPRIO_CLI_FROM_SOURCE === '1') return 'sources';
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(new URL('inputs.json', dist), 'utf8'));
    statSync(new URL('main.js', dist));
  } catch {
    return 'sources'; // not built
  }
  if (!Array.isArray(manifest.inputs) || typeof manifest.builtAt !== 'number') return 'sources';
  // Plain paths, not a URL per source: this runs at every start.
  const base = fileURLToPath(new URL('./', root));
  try {
    for (const p of manifest.inputs)
      if (statSync(base + p).mtimeMs > manifest.builtAt) return 'sources';
  } catch {
    return 'sources'; // a source was removed or renamed
  }
  return 'bundle';
}
