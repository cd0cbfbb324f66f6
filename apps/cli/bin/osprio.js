#!/usr/bin/env node
// Runs the TypeScript sources directly (tsx's loader ships in node_modules; nothing is fetched).
import { register } from 'tsx/esm/api';
register();
await import('../src/main.ts');
