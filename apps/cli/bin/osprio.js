#!/usr/bin/env node
// Starts the bundle that `npm ci` builds (apps/cli/dist) when it is current, else the TypeScript
// sources through tsx (its loader ships in node_modules; nothing is fetched). See launch.js.
import { chooseEntry } from './launch.js';

const dist = new URL('../dist/', import.meta.url);
if (chooseEntry(dist, new URL('../../../', import.meta.url), process.env) === 'bundle') {
  await import(new URL('main.js', dist).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/main.ts');
}
