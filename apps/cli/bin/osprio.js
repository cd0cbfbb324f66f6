#!/usr/bin/env node
// Starts the bundle that `npm ci` builds (apps/cli/dist) when it is current, else the TypeScript
// sources through tsx (its loader ships in node_modules; nothing is fetched). See launch.cjs.
// CommonJS (bin/package.json), so `osprio status`, whose bundle is one CommonJS file, starts
// without the ES module loader.
'use strict';
const { fileURLToPath, pathToFileURL } = require('node:url');
const { chooseEntry } = require('./launch.cjs');

const dist = new URL('../dist/', pathToFileURL(__filename));
const root = new URL('../../../', dist);
const entry = chooseEntry(dist, root, process.argv.slice(2), process.env);
if (entry === 'status.cjs') {
  require(fileURLToPath(new URL(entry, dist)));
} else if (entry === 'main.js') {
  void import(new URL(entry, dist).href);
} else {
  void import('tsx/esm/api').then(({ register }) => {
    register();
    return import('../src/main.ts');
  });
}
