// Helpers for transport tests that need real programs: a socat pty pair, a ser2net bridge and a
// responder on the far pty. Missing binaries FAIL the test with a clear message (CI installs them).

import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { SerialPort } from 'serialport';
import { freePort } from '../../../../test-support/net.ts';

export function requireBinary(bin: string, debianPackage: string): string {
  const r = spawnSync('sh', ['-c', `command -v ${bin}`], { encoding: 'utf8' });
  const found = r.stdout.trim();
  if (r.status !== 0 || !found) {
    throw new Error(
      `${bin} is not installed; this test needs it (apt-get install -y ${debianPackage}). CI installs it.`,
    );
  }
  return found;
}

const tempDirs: string[] = [];

/** Removes every directory tempDir() made (call from afterEach, after stopping the processes). */
export function removeTempDirs(): void {
  for (const d of tempDirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
}

/** A fresh temporary directory; see removeTempDirs(). */
export function tempDir(prefix: string): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), `osprio-bus-${prefix}-`));
  tempDirs.push(d);
  return d;
}

export { freePort };

async function waitFor(
  cond: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 5000,
): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export interface Proc {
  child: ChildProcess;
  output: () => string;
  stop(): Promise<void>;
}

function startProc(bin: string, args: string[]): Proc {
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  return {
    child,
    output: () => out,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

export interface PtyPair extends Proc {
  a: string;
  b: string;
}

/** socat pty pair: two linked pseudo-terminals at `a` and `b`. */
export async function startPtyPair(dir: string): Promise<PtyPair> {
  const bin = requireBinary('socat', 'socat');
  const a = path.join(dir, 'pty-a');
  const b = path.join(dir, 'pty-b');
  const p = startProc(bin, ['-d', '-d', `pty,raw,echo=0,link=${a}`, `pty,raw,echo=0,link=${b}`]);
  await waitFor(
    () => fs.existsSync(a) && fs.existsSync(b) && /starting data transfer/.test(p.output()),
    'socat pty pair',
  );
  return { ...p, a, b };
}

export interface Ser2net extends Proc {
  port: number;
}

/** ser2net 4 bridging 127.0.0.1:<port> (raw or RFC 2217) to the serial device `device`. */
export async function startSer2net(
  dir: string,
  device: string,
  mode: 'raw' | 'rfc2217',
  baud = 9600,
): Promise<Ser2net> {
  const bin = requireBinary('ser2net', 'ser2net');
  const port = await freePort();
  const accepter =
    mode === 'rfc2217' ? `telnet(rfc2217),tcp,127.0.0.1,${port}` : `tcp,127.0.0.1,${port}`;
  const config = [
    '%YAML 1.1',
    '---',
    'connection: &bus',
    `  accepter: ${accepter}`,
    `  connector: serialdev,${device},${baud}n81,local`,
    '  options:',
    '    kickolduser: true',
    '',
  ].join('\n');
  const file = path.join(dir, `ser2net-${mode}.yaml`);
  fs.writeFileSync(file, config);
  const p = startProc(bin, ['-n', '-u', '-P', path.join(dir, `ser2net-${mode}.pid`), '-c', file]);
  await waitFor(
    () =>
      new Promise<boolean>((resolve) => {
        if (p.child.exitCode !== null) return resolve(true); // reported below
        const s = net.connect({ host: '127.0.0.1', port });
        s.once('connect', () => {
          s.destroy();
          resolve(true);
        });
        s.once('error', () => resolve(false));
      }),
    'ser2net to listen',
  );
  if (p.child.exitCode !== null)
    throw new Error(`ser2net exited (${p.child.exitCode}): ${p.output()}`);
  // The probe connection above may still be closing inside ser2net; give it a moment.
  await new Promise((r) => setTimeout(r, 100));
  return { ...p, port };
}

/** The serial rate currently set on a tty, read back with stty (what the far port really runs at). */
export function ttyBaud(device: string): number {
  const r = spawnSync('stty', ['-F', device, 'speed'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`stty -F ${device} failed: ${r.stderr}`);
  return Number(r.stdout.trim());
}

export interface Responder {
  port: SerialPort;
  received: number[];
  close(): Promise<void>;
}

/** Opens `device` and answers every byte with its complement (so 0x00 comes back as 0xFF). */
export async function startComplementResponder(device: string, baud = 9600): Promise<Responder> {
  const port = new SerialPort({ path: device, baudRate: baud, autoOpen: false });
  await new Promise<void>((resolve, reject) => port.open((e) => (e ? reject(e) : resolve())));
  const received: number[] = [];
  port.on('data', (d: Buffer) => {
    received.push(...d);
    port.write(Buffer.from(d.map((x) => 255 - x)));
  });
  return {
    port,
    received,
    close: () => new Promise<void>((resolve) => port.close(() => resolve())),
  };
}
