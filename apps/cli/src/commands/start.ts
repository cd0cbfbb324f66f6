// `npm start`: one local process serving the Provisioner Workspace on http://127.0.0.1:<port>/ (the
// URL is the first line printed) together with an emulated Osprio Pro (quick-step + slots,
// offline-autonomous) and an emulated Osprio Mini (quick-step only), each on a simulated bus of
// factory-fresh PDs with a few realistic faults. The page finds the devices through the same
// server; each device also keeps its own ws:// address for the CLI.
import { startWorkspace } from '../serve/start-workspace.ts';
import { recordDevice } from '../runtime-file.ts';

export interface StartOptions {
  port?: string;
  proPort?: string;
  miniPort?: string;
  speed?: string;
}

/** Faults a technician meets on a real site: a dead reader, one already keyed, a slow one, a flaky drop. */
export const DEMO_FAULTS = '2:absent,4:keyed,6:slow:300,9:noisy:0.01,11:at-baud:19200';

export async function startCommand(o: StartOptions = {}): Promise<void> {
  const port = (s: string | undefined, name: string): number => {
    if (s === undefined) return 0;
    if (!/^\d+$/.test(s) || Number(s) > 65535)
      throw new Error(`${name} must be a TCP port 0..65535 (got "${s}")`);
    return Number(s);
  };
  const speedText = o.speed ?? '1';
  const speed = speedText === 'max' ? 'max' : Number(speedText);
  if (speed !== 'max' && !(speed > 0))
    throw new Error(`--speed must be a positive number or "max" (got "${speedText}")`);
  // Device log lines wait until the URL has been printed: it must be the first line.
  let held: string[] | null = [];
  const log = (id: string, line: string) => {
    const text = `[${id}] ${line}`;
    if (held) held.push(text);
    else console.log(text);
  };
  const wsPort = port(o.port, '--port');
  const ws = await startWorkspace({
    port: wsPort,
    speed,
    log,
    devices: [
      { id: 'pro', model: 'pro', faults: DEMO_FAULTS, port: port(o.proPort, '--pro-port') },
      { id: 'mini', model: 'mini', port: port(o.miniPort, '--mini-port') },
    ],
  }).catch((e: unknown) => {
    if ((e as { code?: string }).code === 'EADDRINUSE') {
      throw new Error(
        `a port asked for is already in use on 127.0.0.1 (another npm start?): pick another with --port, --pro-port or --mini-port, or leave them out for free ports`,
      );
    }
    throw e;
  });
  const unrecord: (() => void)[] = [];
  const stop = async () => {
    for (const u of unrecord) u();
    await ws.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());

  const pro = ws.emulators.get('pro')!;
  const mini = ws.emulators.get('mini')!;
  console.log(`Provisioner Workspace: ${ws.url}`);
  console.log(`${ws.server.distMissing ? '\n  (the workspace is not built: run `npm run build:workspace`, then reload)\n' : ''}
Open that address in a browser, open a Provisioner tab, pick a device and Connect (Ctrl-C to stop).

  Osprio Pro   ${pro.url}
               quick-step + slots, offline-autonomous; flash in ${pro.stateDir}
               site faults: ${DEMO_FAULTS}
  Osprio Mini  ${mini.url}
               quick-step only

The ws:// addresses are for the CLI, e.g.:
  node apps/cli/bin/osprio.js status --device '${pro.url}'
`);
  // `osprio devices` lists them; other commands find them without --device (removed on exit).
  for (const d of [pro, mini]) {
    const { identity, status } = d.device;
    unrecord.push(
      recordDevice(
        {
          url: d.url,
          model: identity.model,
          serialNumber: identity.serialNumber,
          slots: status.slots,
          liveQuickStep: status.liveQuickStep,
        },
        process.env,
        (l) => console.error(l),
      ),
    );
  }
  for (const line of held) console.log(line);
  held = null;
  await new Promise<never>(() => {});
}
