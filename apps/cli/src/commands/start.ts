// `npm start`: one local process with an emulated Osprio Pro (quick-step + slots, offline-autonomous)
// and an emulated Osprio Mini (quick-step only), each on a simulated bus of factory-fresh PDs with a
// few realistic faults. Until the browser workspace lands, the CLI is the host: the printed commands
// drive the devices.
import { startEmulator, type Emulator } from '@osprio/device/emulator';
import { recordDevice } from '../runtime-file.ts';

export interface StartOptions {
  proPort?: string;
  miniPort?: string;
  speed?: string;
}

/** Faults a technician meets on a real site: a dead reader, one already keyed, a slow one, a flaky drop. */
export const DEMO_FAULTS = '2:absent,4:keyed,6:slow:300,9:noisy:0.01,11:at-baud:19200';

export async function startCommand(o: StartOptions = {}): Promise<void> {
  const port = (s: string | undefined, name: string): number => {
    if (s === undefined) return 0;
    if (!/^\d+$/.test(s) || Number(s) > 65535) throw new Error(`${name} must be a TCP port 0..65535 (got "${s}")`);
    return Number(s);
  };
  const log = (prefix: string) => (line: string) => console.log(`[${prefix}] ${line}`);
  const devices: Emulator[] = [];
  const unrecord: (() => void)[] = [];
  const stop = async () => {
    for (const u of unrecord) u();
    await Promise.allSettled(devices.map((d) => d.close()));
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());

  const speed = o.speed ?? '1';
  const pro = await startEmulator({ model: 'pro', port: port(o.proPort, '--pro-port'), faults: DEMO_FAULTS, speed: speed === 'max' ? 'max' : Number(speed), log: log('pro') });
  devices.push(pro);
  const mini = await startEmulator({ model: 'mini', port: port(o.miniPort, '--mini-port'), speed: speed === 'max' ? 'max' : Number(speed), log: log('mini') });
  devices.push(mini);
  // `osprio devices` lists them; other commands find them without --device (removed on exit).
  for (const d of devices) {
    const { identity, status } = d.device;
    unrecord.push(recordDevice({ url: d.url, model: identity.model, serialNumber: identity.serialNumber, slots: status.slots, liveQuickStep: status.liveQuickStep }, process.env, (l) => console.error(l)));
  }

  console.log(`Osprio Provisioner — emulated devices on loopback (Ctrl-C to stop)

  Osprio Pro   ${pro.url}
               quick-step + slots, offline-autonomous; flash in ${pro.stateDir}
               site faults: ${DEMO_FAULTS}
  Osprio Mini  ${mini.url}
               quick-step only

Try:
  node apps/cli/bin/osprio.js status --device '${pro.url}'
  node apps/cli/bin/osprio.js status --device '${mini.url}'
  node apps/cli/bin/osprio.js sim pd --listen 127.0.0.1:4001 &   # a stand-in reader over TCP
  node apps/cli/bin/osprio.js provision --bus tcp://127.0.0.1:4001 --address 5 --baud 9600 --export keys.csv
`);
  await new Promise<never>(() => {});
}
