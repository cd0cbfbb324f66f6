// Soak, faults: a 126-PD slot where a quarter of the readers carry random faults and the line
// corrupts 1 byte in 1000, while the host detaches and the device is SIGKILLed at random moments
// (restarted on the same state dir; the readers keep their flash, see device-child.ts). Then:
// no edge lost or seen twice at the host; no `ok` for a reader without its derived key; every
// reader holding its key is `ok` or explained by its edges; the export lists exactly the holders.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readFileSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Prng } from '@osprio/bus';
import { faultsFor, parseFaultSpec, readerKey } from '@osprio/device/emulator';
import { LinkClient, LinkError, eventEdges } from '@osprio/link';
import type { LinkEvent, ProgressEdge, SlotDetail, Verb } from '@osprio/link';
import { connectWebSocketNode } from '@osprio/link/node';
import { DeviceSession } from '@osprio/host';
import { connectNode, writeKeyFile } from '@osprio/host/node';
import { deriveScbk } from '@osprio/provisioner';
import { toHex } from '@osprio/osdp';

export interface FaultsBudget {
  seed: number;
  detaches: number;
  kills: number;
  /** Retry rounds for failed steps after the disruptions. */
  retryRounds: number;
}

export interface FaultsReport {
  cases: number;
  faultsInjected: number;
  findings: string[];
  notes: string[];
  /** Files the custody scan must read: device logs and what the host wrote. */
  hostFiles: string[];
  logFiles: string[];
  exportFile: string | null;
  seedHex: string;
  /** Every step's derived SCBK (hex), to look for outside the export. */
  scbkHex: string[];
}

const N = 126;
const CHILD = fileURLToPath(new URL('./device-child.ts', import.meta.url));
const LINE_NOISE = 0.001;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Device {
  child: ChildProcess;
  url: string;
  exited: Promise<number | string>;
}

function startDevice(dir: string, seed: number, faults: string, log: WriteStream): Promise<Device> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        CHILD,
        join(dir, 'flash'),
        join(dir, 'readers'),
        String(seed),
        faults,
        String(LINE_NOISE),
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const exited = new Promise<number | string>((r) =>
      child.on('exit', (code, sig) => r(code ?? sig ?? -1)),
    );
    let out = '';
    child.stdout!.setEncoding('utf8').on('data', (s: string) => {
      log.write(s);
      out += s;
      const m = /^url (ws:\/\/\S+)$/m.exec(out);
      if (m) resolve({ child, url: m[1]!, exited });
    });
    child.stderr!.setEncoding('utf8').on('data', (s: string) => log.write(s));
    void exited.then((c) => reject(new Error(`device exited (${c}) before listening`)));
  });
}

/** The host's side: every edge of slot 0 by seq, checked as it arrives. */
class HostEdges {
  readonly bySeq = new Map<number, ProgressEdge>();
  last = 0;
  readonly findings: string[] = [];
  accept(ev: LinkEvent): void {
    if (ev.event === 'resync') {
      this.findings.push(`resync from the device: ${ev.reason}`);
      return;
    }
    for (const e of eventEdges(ev)) {
      if (!('slot' in e.queue) || e.queue.slot !== 0) continue;
      if (this.bySeq.has(e.seq)) this.findings.push(`edge ${e.seq} seen twice at the host`);
      else if (e.seq !== this.last + 1)
        this.findings.push(`edge ${e.seq} after ${this.last}: ${e.seq - this.last - 1} lost`);
      this.bySeq.set(e.seq, e);
      this.last = Math.max(this.last, e.seq);
    }
  }
}

async function attach(url: string, edges: HostEdges): Promise<LinkClient> {
  for (let i = 0; ; i++) {
    try {
      const c = new LinkClient(await connectWebSocketNode(url, {}), { timeoutMs: 30_000 });
      await c.hello('osprio-soak');
      c.onEvent((ev) => edges.accept(ev));
      return c;
    } catch (e) {
      // the previous session may still be closing on the device side
      if (i >= 50 || !(e instanceof LinkError)) throw e;
      await sleep(50);
    }
  }
}

async function subscribe(c: LinkClient, edges: HostEdges): Promise<void> {
  const sub = await c.subscribe({ slot: 0, sinceSeq: edges.last });
  if (sub.status !== 'streaming')
    edges.findings.push(`subscribe from ${edges.last}: ${sub.status}`);
}

/** Queues `try` for pending steps and `retry` for failed ones (the link takes 64 requests in flight). */
async function queueWork(c: LinkClient, slot: SlotDetail, retry: boolean): Promise<number> {
  const verbs = slot.steps.flatMap((s): [number, Verb][] =>
    s.state === 'pending'
      ? [[s.index, 'try']]
      : retry && s.state === 'failure'
        ? [[s.index, 'retry']]
        : [],
  );
  for (let i = 0; i < verbs.length; i += 48) {
    await Promise.all(
      verbs
        .slice(i, i + 48)
        .map(([stepIndex, verb]) => c.verb({ slot: 0, stepIndex, verb }).catch(() => undefined)),
    );
  }
  return verbs.length;
}

async function settle(c: LinkClient, timeoutMs: number): Promise<SlotDetail> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const s = await c.getSlot(0);
    if (!s.steps.some((x) => x.state === 'attempting') || Date.now() > end) return s;
    await sleep(100);
  }
}

export async function runFaults(dir: string, b: FaultsBudget): Promise<FaultsReport> {
  const rand = new Prng(b.seed);
  mkdirSync(join(dir, 'logs'), { recursive: true });
  mkdirSync(join(dir, 'host'), { recursive: true });
  const faults = `random:0.25@${b.seed}`;
  const plan = parseFaultSpec(faults);
  const faulty = Array.from({ length: N }, (_, i) => faultsFor(plan, i).length > 0).filter(
    Boolean,
  ).length;
  const logFiles: string[] = [];
  const newLog = () => {
    const f = join(dir, 'logs', `device-${logFiles.length}.log`);
    logFiles.push(f);
    return createWriteStream(f);
  };
  const edges = new HostEdges();
  const notes: string[] = [];
  const findings: string[] = [];
  const seed = randomBytes(16);
  const sessionId = randomUUID();
  let dev = await startDevice(dir, b.seed, faults, newLog());
  let c = await attach(dev.url, edges);
  const profile = {
    name: 'soak',
    deviceCount: N,
    addressStrategy: 'sequential' as const,
    startAddress: 1,
    manualAddresses: [],
    baud: 115200,
    expectedCapabilities: [],
    timeoutMs: 0,
    autoVerify: true,
  };
  const targets = Array.from({ length: N }, (_, i) => ({ index: i, address: i + 1, baud: 115200 }));
  await c.createSlot({ slot: 0, header: profile, sessionId, seed: Uint8Array.from(seed) });
  await c.uploadAllSteps(0, targets);
  await c.sealSlot({ slot: 0, stepCount: N });
  await subscribe(c, edges);

  // Disruptions in a random order, each at a random moment of a run in progress.
  const events: ('detach' | 'kill')[] = [
    ...Array<'detach'>(b.detaches).fill('detach'),
    ...Array<'kill'>(b.kills).fill('kill'),
  ];
  for (let i = events.length - 1; i > 0; i--) {
    const j = rand.int(i + 1);
    [events[i], events[j]] = [events[j]!, events[i]!];
  }
  for (const ev of events) {
    await queueWork(c, await c.getSlot(0), true);
    await sleep(20 + rand.int(400));
    if (ev === 'detach') {
      c.close();
      await sleep(rand.int(50));
      c = await attach(dev.url, edges);
      await subscribe(c, edges);
    } else {
      dev.child.kill('SIGKILL');
      await dev.exited;
      c.close();
      dev = await startDevice(dir, b.seed, faults, newLog());
      c = await attach(dev.url, edges);
      await subscribe(c, edges);
    }
  }
  // Let the run finish; retry failures a few rounds (a keyed reader must come back `ok`, guarantee 3).
  let slot = await settle(c, 120_000);
  for (let round = 0; round < b.retryRounds; round++) {
    if ((await queueWork(c, slot, true)) === 0) break;
    slot = await settle(c, 120_000);
  }
  // Skip what still fails, as a technician would, so the slot completes and can be exported.
  for (const s of slot.steps)
    if (s.state === 'failure') await c.verb({ slot: 0, stepIndex: s.index, verb: 'skip' });
  slot = await settle(c, 30_000);
  await sleep(200); // the last edges
  if (slot.lastSeq !== edges.last)
    findings.push(`device lastSeq ${slot.lastSeq}, host saw up to ${edges.last}`);
  for (let s = 1; s <= slot.lastSeq; s++)
    if (!edges.bySeq.has(s)) findings.push(`edge ${s} never reached the host`);
  c.close();

  // The readers, as the hardware holds them.
  const scbkHex: string[] = [];
  const holders = new Set<number>();
  for (let i = 0; i < N; i++) {
    const key = deriveScbk(seed, sessionId, i, i + 1);
    scbkHex.push(toHex(key));
    const f = join(
      dir,
      'readers',
      `${Buffer.from(readerKey({ slot: 0 }, sessionId, i)).toString('hex')}.json`,
    );
    if (!existsSync(f)) continue;
    const r = JSON.parse(readFileSync(f, 'utf8')) as { scbk: string | null };
    if (r.scbk !== null && r.scbk.toLowerCase() === toHex(key)) holders.add(i);
  }
  const explainedBy = (i: number) => {
    const mine = [...edges.bySeq.values()].filter((e) => e.stepIndex === i);
    const last = mine.at(-1);
    const keyed = mine.some(
      (e) =>
        e.stage === 'keyset' ||
        e.stage === 'key_verify' ||
        e.stage === 'verify' ||
        e.stage === 'capabilities',
    );
    return keyed
      ? `${last?.state}/${last?.outcome ?? '-'} after reaching ${mine.some((e) => e.stage === 'key_verify') ? 'key_verify' : 'keyset'}`
      : null;
  };
  for (const s of slot.steps) {
    const ok = s.outcome === 'ok' && s.state === 'success';
    if (ok && !holders.has(s.index))
      findings.push(`step ${s.index}: ok, but the reader does not hold its derived key`);
    if (!ok && holders.has(s.index)) {
      const why = explainedBy(s.index);
      if (why) notes.push(`step ${s.index}: holds its key without ok — ${why}`);
      else
        findings.push(
          `step ${s.index}: holds its key, ${s.state}/${s.outcome ?? '-'}, and its edges never reached KEYSET`,
        );
    }
  }

  // The export, through the host library as the workspace makes it, written as a host file.
  let exportFile: string | null = null;
  const hostFiles: string[] = [];
  if (slot.state === 'complete') {
    let session = await DeviceSession.attach({
      connect: () => connectNode(dev.url),
      hostName: 'osprio-soak',
    });
    // The device frees itself for the next host once our last link's close reached it.
    for (let i = 0; session.state.kind !== 'attached' && i < 100; i++) {
      session.close();
      await sleep(50);
      session = await DeviceSession.attach({
        connect: () => connectNode(dev.url),
        hostName: 'osprio-soak',
      });
    }
    try {
      const file = await session.exportSlot(0, 'csv');
      const text = new TextDecoder().decode(file.bytes);
      exportFile = join(dir, 'host', file.fileName);
      await writeKeyFile(exportFile, file);
      hostFiles.push(exportFile);
      const listed = new Set(
        text
          .trim()
          .split('\n')
          .slice(1)
          .map((l) => l.split(',')[2]!.toLowerCase()),
      );
      const held = new Set([...holders].map((i) => scbkHex[i]!));
      for (const k of held)
        if (!listed.has(k))
          findings.push(`export misses a reader holding its key (step ${scbkHex.indexOf(k)})`);
      for (const k of listed)
        if (!held.has(k))
          findings.push(`export lists a key no reader holds (step ${scbkHex.indexOf(k)})`);
    } finally {
      session.close();
    }
  } else findings.push(`slot ended ${slot.state}, not complete: no export`);
  dev.child.kill('SIGTERM');
  await dev.exited;

  notes.push(
    `${holders.size} readers hold their key; ${slot.steps.filter((s) => s.outcome === 'ok').length} ok, ${slot.steps.filter((s) => s.state === 'skipped').length} skipped; ${edges.last} edges`,
  );
  return {
    cases: N,
    faultsInjected: faulty + b.detaches + b.kills,
    findings: [...edges.findings, ...findings],
    notes,
    hostFiles,
    logFiles,
    exportFile,
    seedHex: toHex(seed),
    scbkHex,
  };
}
