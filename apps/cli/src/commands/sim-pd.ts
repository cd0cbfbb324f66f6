// `osprio sim pd`: one simulated PD served over a TCP serial bridge — a stand-in reader for trying
// the tool without hardware. Each applied COMSET and KEYSET is one JSON line on stderr; key bytes
// appear only with --reveal-keys (this is the PD's side of the bus, a test fixture, not the host).
import { fromHex, OSDP_BAUDS, toHex } from '@osprio/osdp';
import { parseLoopbackListen } from '../listen.ts';
import {
  parseSimPdSpec,
  runSimPdServer,
  type SimPdLiveEvent,
  type SimPdServer,
  type SimPdOptions,
} from '@osprio/bus';

export interface SimPdCliOptions {
  listen: string;
  address?: string;
  baud?: string;
  installMode?: boolean;
  scbk?: string;
  fault?: string[];
  rfc2217?: boolean;
  revealKeys?: boolean;
  seed?: string;
}

export class SimPdUsageError extends Error {}

/** Turns flags into server options; throws SimPdUsageError with a one-line reason. */
export function simPdOptions(o: SimPdCliOptions): {
  host: string;
  port: number;
  pd: SimPdOptions;
  protocol: 'raw' | 'rfc2217';
  seed: number;
} {
  let listen: { host: string; port: number };
  try {
    listen = parseLoopbackListen(o.listen);
  } catch (e) {
    throw new SimPdUsageError((e as Error).message);
  }
  const parts: string[] = [];
  if (o.address !== undefined) parts.push(`address=${o.address}`);
  if (o.baud !== undefined) {
    if (!(OSDP_BAUDS as readonly number[]).includes(Number(o.baud)) || !/^\d+$/.test(o.baud)) {
      throw new SimPdUsageError(
        `--baud must be an OSDP rate (${OSDP_BAUDS.join(', ')}), got "${o.baud}"`,
      );
    }
    parts.push(`baud=${o.baud}`);
  }
  if (o.seed !== undefined) parts.push(`seed=${o.seed}`);
  for (const f of o.fault ?? []) {
    if (f.includes(',') || f.includes('='))
      throw new SimPdUsageError(`--fault "${f}": one fault per flag, e.g. --fault slow:350`);
    parts.push(`fault=${f}`);
  }
  let spec;
  try {
    spec = parseSimPdSpec(parts.join(','));
  } catch (e) {
    throw new SimPdUsageError(
      (e as Error).message.replace(/^address\b/, '--address').replace(/^baud\b/, '--baud'),
    );
  }
  if (o.scbk !== undefined) {
    let key: Uint8Array;
    try {
      key = fromHex(o.scbk);
    } catch (e) {
      throw new SimPdUsageError(`--scbk: ${(e as Error).message}`);
    }
    if (key.length !== 16)
      throw new SimPdUsageError(`--scbk must be 16 bytes (32 hex digits), got ${key.length}`);
    spec.config.scbk = key;
  }
  // A PD with no key is factory-fresh and so in install mode; a keyed one only when asked.
  spec.config.installMode = o.installMode === true || o.scbk === undefined;
  return {
    host: listen.host,
    port: listen.port,
    pd: spec,
    protocol: o.rfc2217 ? 'rfc2217' : 'raw',
    seed: Number(o.seed ?? 1),
  };
}

export async function startSimPd(
  o: SimPdCliOptions,
  emit: (line: string) => void,
  log: (line: string) => void,
): Promise<SimPdServer> {
  const opts = simPdOptions(o);
  // The listener may only read the PD once the server exists; it is set right below.
  const ref: { server?: SimPdServer } = {};
  // Told synchronously by the PD as it applies each command, with the exact key it stored.
  const onEvent = (ev: SimPdLiveEvent) => {
    if (ev.type === 'comset_applied') {
      emit(
        JSON.stringify({
          event: 'comset',
          at: Math.round(ev.at),
          address: ev.address,
          baud: ev.baud,
        }),
      );
    } else if (ev.type === 'keyset_applied') {
      const stored = ref.server?.pds[0]?.stored;
      const rec: Record<string, unknown> = {
        event: 'keyset',
        at: Math.round(ev.at),
        address: stored?.address,
        installMode: stored?.installMode,
      };
      if (o.revealKeys) rec.scbk = toHex(ev.scbk);
      emit(JSON.stringify(rec));
    }
  };
  const server = await runSimPdServer({
    listen: { host: opts.host, port: opts.port },
    protocol: opts.protocol,
    pds: [{ ...opts.pd, onEvent }],
    seed: opts.seed,
    // A stand-in reader may run for days: keep the last frames for diagnosis, not all of them.
    traceLimit: 10_000,
    log,
  });
  ref.server = server;
  return server;
}
