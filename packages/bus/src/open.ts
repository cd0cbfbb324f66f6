// Bus URLs: one string names any transport.
//   serial:/dev/ttyUSB0[?baud=9600]      local serial port (also serial:COM3)
//   tcp://host:port[?baud=9600]          raw TCP serial bridge (baud = the bridge's fixed rate)
//   rfc2217://host:port[?baud=9600]      Telnet COM-PORT-OPTION bridge (baud follows setBaud)
//   sim:[name][?seed=1&baud=9600]        simulated line (virtual clock)
// This module stays browser-safe: the Node transports are loaded on demand.

import type { Bus } from './bus.ts';
import { SimBus } from './sim-bus.ts';
import { SimLine } from './sim-line.ts';
import type { SerialBus } from './serial-bus.ts';
import type { TcpBus } from './tcp-bus.ts';

export type BusUrl =
  | { kind: 'serial'; path: string; baud?: number }
  | { kind: 'tcp' | 'rfc2217'; host: string; port: number; baud?: number }
  | { kind: 'sim'; name: string; seed?: number; baud?: number };

export class BusUrlError extends Error {
  override name = 'BusUrlError';
}

const SCHEMES = 'serial:<path>, tcp://host:port, rfc2217://host:port or sim:[name]';

export function parseBusUrl(url: string): BusUrl {
  const text = url.trim();
  const m = /^([a-z0-9]+):(.*)$/i.exec(text);
  if (!m || m[1]!.length < 2)
    throw new BusUrlError(`not a bus URL: "${text}" (expected ${SCHEMES})`);
  const scheme = m[1]!.toLowerCase();
  const [rest = '', query] = splitQuery(m[2]!);
  const params = parseParams(query, text);
  switch (scheme) {
    case 'serial': {
      const path = rest.startsWith('//') ? rest.slice(2) : rest;
      if (!path)
        throw new BusUrlError(
          `serial bus URL needs a device path, e.g. serial:/dev/ttyUSB0 (got "${text}")`,
        );
      return withBaud({ kind: 'serial', path }, params, text);
    }
    case 'tcp':
    case 'rfc2217': {
      if (!rest.startsWith('//'))
        throw new BusUrlError(
          `${scheme} bus URL must look like ${scheme}://host:port (got "${text}")`,
        );
      const { host, port } = parseHostPort(rest.slice(2), scheme, text);
      return withBaud({ kind: scheme, host, port }, params, text);
    }
    case 'sim': {
      const name = rest.replace(/^\/\//, '') || 'sim';
      if (!/^[\w.-]+$/.test(name))
        throw new BusUrlError(
          `sim bus name may use letters, digits, '.', '_' and '-' only (got "${name}")`,
        );
      const out: BusUrl = { kind: 'sim', name };
      const seed = params.get('seed');
      if (seed !== undefined) {
        if (!/^\d+$/.test(seed) || Number(seed) > 0xffffffff)
          throw new BusUrlError(`sim seed must be an integer 0…4294967295 (got "${seed}")`);
        out.seed = Number(seed);
      }
      return withBaud(out, params, text);
    }
    default:
      throw new BusUrlError(`unknown bus scheme "${scheme}:" (expected ${SCHEMES})`);
  }
}

export interface OpenBusOptions {
  /** Initial baud (overrides ?baud=). Default 9600. */
  baud?: number;
  /** sim: attach to this line instead of creating a fresh one (e.g. a line with simulated PDs). */
  line?: SimLine;
  connectTimeoutMs?: number;
}

export async function openBus(url: string | BusUrl, opts: OpenBusOptions = {}): Promise<Bus> {
  const u = typeof url === 'string' ? parseBusUrl(url) : url;
  const baud = opts.baud ?? u.baud ?? 9600;
  switch (u.kind) {
    case 'sim': {
      const line = opts.line ?? new SimLine(u.seed === undefined ? {} : { seed: u.seed });
      return new SimBus(line, { baud, nodeName: u.name === 'sim' ? 'acu' : u.name });
    }
    case 'serial': {
      const mod = (await import(/* @vite-ignore */ nodeOnly('./serial-bus.ts'))) as {
        SerialBus: typeof SerialBus;
      };
      return mod.SerialBus.open(u.path, { baud });
    }
    case 'tcp':
    case 'rfc2217': {
      const mod = (await import(/* @vite-ignore */ nodeOnly('./tcp-bus.ts'))) as {
        TcpBus: typeof TcpBus;
      };
      return mod.TcpBus.open(u.host, u.port, {
        baud,
        rfc2217: u.kind === 'rfc2217',
        ...(opts.connectTimeoutMs === undefined ? {} : { connectTimeoutMs: opts.connectTimeoutMs }),
      });
    }
  }
}

/** Resolved at run time so bundlers leave the Node-only transports (and serialport) out of browser builds. */
function nodeOnly(rel: string): string {
  return new URL(rel, import.meta.url).href;
}

function splitQuery(s: string): [string, string | undefined] {
  const i = s.indexOf('?');
  return i < 0 ? [s, undefined] : [s.slice(0, i), s.slice(i + 1)];
}

function parseParams(query: string | undefined, text: string): Map<string, string> {
  const out = new Map<string, string>();
  if (!query) return out;
  for (const part of query.split('&')) {
    if (!part) continue;
    const [k = '', v = ''] = part.split('=', 2);
    if (k !== 'baud' && k !== 'seed')
      throw new BusUrlError(`unknown bus URL parameter "${k}" in "${text}" (known: baud, seed)`);
    out.set(k, decodeURIComponent(v));
  }
  return out;
}

function withBaud<T extends BusUrl>(u: T, params: Map<string, string>, text: string): T {
  const b = params.get('baud');
  if (b === undefined) return u;
  if (!/^\d+$/.test(b) || Number(b) < 300 || Number(b) > 4_000_000)
    throw new BusUrlError(`bad baud "${b}" in "${text}" (a rate such as 9600 or 115200)`);
  return { ...u, baud: Number(b) };
}

function parseHostPort(s: string, scheme: string, text: string): { host: string; port: number } {
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:/[\]\s]+):(\d+)\/?$/.exec(s);
  if (!m)
    throw new BusUrlError(`${scheme} bus URL must look like ${scheme}://host:port (got "${text}")`);
  const port = Number(m[2]);
  if (port < 1 || port > 65535)
    throw new BusUrlError(`port ${m[2]} out of range 1…65535 in "${text}"`);
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port };
}
