// Browser-safe entry to the Node-only simulated-PD server (the CLI's `osprio sim pd`).

import type * as PdServerModule from './pd-server.ts';
import type { SimPdServer, SimPdServerOptions } from './pd-server.ts';

export async function runSimPdServer(opts: SimPdServerOptions): Promise<SimPdServer> {
  const mod = (await import(
    /* @vite-ignore */ new URL('./pd-server.ts', import.meta.url).href
  )) as typeof PdServerModule;
  return mod.runSimPdServer(opts);
}
