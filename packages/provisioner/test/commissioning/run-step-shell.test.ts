// runStep's own rules, apart from the machine it drives: what it reports when something below it
// fails (the exact detail, the stage it was in, the stages done, 'stalled' on the stage track),
// that a lower layer's message leaves with no key hex and at most 200 characters, that each
// handshake gets a fresh SCBK-D and the derived key is wiped afterwards, that the link is restarted
// however the attempt ends, that a fixed-rate port is honoured, and capToDeadline's exact edges.
import { describe, expect, it } from 'vitest';
import { createSimBus, type Bus } from '@osprio/bus';
import { toHex } from '@osprio/osdp';
import { runStep, type RunStepArgs } from '../../src/commissioning/run-step.ts';
import { createAcuStepLink, type StepLink } from '../../src/commissioning/step-link.ts';
import { deriveScbk } from '../../src/kdf.ts';
import type { StageEvent } from '../../src/stages.ts';
import { attachModelPd } from './support/model-node.ts';

const SEED = Uint8Array.from({ length: 16 }, (_, i) => 0x40 + i);
const SESSION = '0b8e8e52-2f44-4a5e-9d7e-5a1f1e0b3c21';
const ADDRESS = 6;
const STEP = 3;
const SCBK = deriveScbk(SEED, SESSION, STEP, ADDRESS);

function freshPd(bus: ReturnType<typeof createSimBus>) {
  return attachModelPd(bus.line, {
    address: 0,
    baud: 9600,
    pdid: {
      vendor: Uint8Array.of(0, 6, 0x8e),
      model: 1,
      version: 1,
      serial: 77,
      firmware: { major: 1, minor: 0, build: 0 },
    },
    pdcap: [
      { functionCode: 8, compliance: 1, numberOf: 0 },
      { functionCode: 9, compliance: 1, numberOf: 1 },
    ],
    scbk: null,
    installMode: true,
    random: { seed: 3 },
  });
}

const counter = () => {
  let c = 0;
  return (n: number) => Uint8Array.from({ length: n }, () => (c++ * 53 + 5) & 0xff);
};

/** A real link over the bus, with a hand on each call. */
function watched(bus: Bus, onCall: (what: string, n: number, key?: Uint8Array) => void): StepLink {
  const real = createAcuStepLink(bus);
  let n = 0;
  return {
    restart: () => (onCall('restart', n++), real.restart()),
    setBaud: (b) => (onCall('setBaud', n++), real.setBaud(b)),
    command: (op, keyFor) => (onCall(`command ${op.command.code}`, n++), real.command(op, keyFor)),
    handshake: (op, key, rndA) => (
      onCall(`handshake kk=${op.kk}`, n++, key),
      real.handshake(op, key, rndA)
    ),
  };
}

function args(over: Partial<RunStepArgs> & { bus: Bus }): RunStepArgs {
  return {
    target: { address: ADDRESS, baud: 9600, stepIndex: STEP },
    options: { timeoutMs: 0, autoVerify: true, expectedCapabilities: [] },
    key: { seed: SEED, sessionId: SESSION },
    random: counter(),
    ...over,
  };
}

describe('runStep when something below it fails', () => {
  it('a lower layer that throws: internal_error at the stage it was in, the stages done, stalled, redacted and cut to 200 characters', async () => {
    const bus = createSimBus({ baud: 9600 });
    freshPd(bus);
    const stages: StageEvent[] = [];
    const calls: string[] = [];
    const real = watched(bus, (w) => calls.push(w));
    const leaky: StepLink = {
      ...real,
      handshake: async () => {
        throw new Error(
          `exploded: ${toHex(SCBK)} ${toHex(SCBK).toUpperCase()} ${toHex(SEED)} ${'z'.repeat(300)}`,
        );
      },
    };
    const r = await runStep(args({ bus, link: leaky, onStage: (e) => stages.push(e) }));
    const message = `exploded: [redacted] [redacted] [redacted] ${'z'.repeat(300)}`.slice(0, 200);
    expect(r).toEqual({
      outcome: 'internal_error',
      detail: `bus or link error during install session: ${message}`,
      stage: 'install_session',
      stageStatus: 'stalled',
      completed: ['discover', 'comset', 'confirm'],
    });
    expect(stages.at(-1)).toEqual({ stage: 'install_session', status: 'stalled' });
    expect(calls.at(-1)).toBe('restart'); // the link is left on a fresh start
  });

  it('something thrown that is not an Error is reported as its text', async () => {
    const bus = createSimBus({ baud: 9600 });
    const link: StepLink = {
      restart() {},
      setBaud() {},
      command: () => Promise.reject('the port went away'), // a foreign layer may reject with a bare string
      handshake: () => Promise.reject(new Error('unreachable')),
    };
    const r = await runStep(args({ bus, link }));
    expect(r).toEqual({
      outcome: 'internal_error',
      detail: 'bus or link error during discover: the port went away',
      stage: 'discover',
      stageStatus: 'stalled',
      completed: [],
    });
  });

  it('a random source that returns the wrong length ends the attempt, not the process', async () => {
    const bus = createSimBus({ baud: 9600 });
    freshPd(bus);
    const r = await runStep(args({ bus, random: (n) => new Uint8Array(n - 1) }));
    expect(r).toMatchObject({
      outcome: 'internal_error',
      detail: 'bus or link error during install session: random(8) returned 7 bytes',
      stage: 'install_session',
      completed: ['discover', 'comset', 'confirm'],
    });
  });

  it('a key that cannot be used: the exact reason, at discover, nothing sent', async () => {
    const bus = createSimBus({ baud: 9600 });
    const calls: string[] = [];
    const link = watched(bus, (w) => calls.push(w));
    expect(await runStep(args({ bus, link, key: { scbk: new Uint8Array(15) } }))).toEqual({
      outcome: 'internal_error',
      detail: 'SCBK must be 16 bytes, got 15',
      stage: 'discover',
      stageStatus: 'stalled',
      completed: [],
    });
    let why = '';
    try {
      deriveScbk(Uint8Array.of(1, 2, 3), SESSION, STEP, ADDRESS);
    } catch (e) {
      why = (e as Error).message.split('\n')[0]!;
    }
    expect(why).not.toBe('');
    expect(
      await runStep(args({ bus, link, key: { seed: Uint8Array.of(1, 2, 3), sessionId: SESSION } })),
    ).toEqual({
      outcome: 'internal_error',
      detail: `could not derive this step’s SCBK: ${why}`,
      stage: 'discover',
      stageStatus: 'stalled',
      completed: [],
    });
    expect(calls).toEqual([]);
  });

  it('aborted before it starts: interrupted, and not one exchange on the bus', async () => {
    const bus = createSimBus({ baud: 9600 });
    const calls: string[] = [];
    const ac = new AbortController();
    ac.abort();
    const r = await runStep(
      args({ bus, link: watched(bus, (w) => calls.push(w)), signal: ac.signal }),
    );
    expect(r.outcome).toBe('interrupted');
    expect(calls.filter((c) => c !== 'restart' && c !== 'setBaud')).toEqual([]);
  });
});

describe('runStep and the keys it hands down', () => {
  it('every SCBK-D handshake gets its own fresh copy; the derived key is the step’s and is wiped afterwards', async () => {
    const bus = createSimBus({ baud: 9600 });
    freshPd(bus);
    const given: { what: string; key: Uint8Array; bytes: string }[] = [];
    const real = createAcuStepLink(bus);
    const link: StepLink = {
      ...real,
      restart: () => real.restart(),
      setBaud: (b) => real.setBaud(b),
      command: (op, keyFor) => real.command(op, keyFor),
      handshake: async (op, key, rndA) => {
        given.push({ what: `handshake kk=${op.kk}`, key, bytes: toHex(key) });
        const r = await real.handshake(op, key, rndA);
        if (op.kk === 0) key.fill(0); // a careless layer below: must not matter next time
        return r;
      },
    };
    const r = await runStep(args({ bus, link }));
    expect(r.outcome).toBe('ok');
    const scbkD = given.filter((g) => g.what === 'handshake kk=0');
    expect(scbkD.length).toBeGreaterThanOrEqual(2); // install session, then the SCBK-D check
    for (const g of scbkD) expect(g.bytes).toBe('303132333435363738393a3b3c3d3e3f'); // SCBK-D, reference §5.2
    const derived = given.filter((g) => g.what === 'handshake kk=1');
    expect(derived.length).toBeGreaterThanOrEqual(1);
    for (const g of derived) {
      expect(g.bytes).toBe(toHex(SCBK));
      expect(g.key.every((b) => b === 0)).toBe(true); // wiped once the attempt ended
    }
  });
});

describe('runStep on a port that cannot change its rate (raw TCP)', () => {
  it('a profile baud other than the port’s: baud_mismatch with the way out, nothing sent', async () => {
    const sim = createSimBus({ baud: 9600 });
    const fixed = new Proxy(sim, {
      get: (t, k) => (k === 'canSetBaud' ? false : (Reflect.get(t, k) as unknown)),
    });
    const calls: string[] = [];
    const r = await runStep(
      args({
        bus: fixed,
        link: watched(sim, (w) => calls.push(w)),
        target: { address: ADDRESS, baud: 115200, stepIndex: STEP },
      }),
    );
    expect(r.outcome).toBe('baud_mismatch');
    expect(r.detail).toBe(
      'the port is fixed at 9600 baud (raw TCP bridge) and cannot follow the PD to 115200; use an RFC 2217 bridge or a profile baud of 9600',
    );
    expect(calls.filter((c) => c.startsWith('command') || c.startsWith('handshake'))).toEqual([]);
  });
});

describe('runStep near its step timeout', () => {
  it('an absent PD with little time left ends timeout within one reply window of the deadline', async () => {
    const bus = createSimBus({ baud: 9600 });
    const r = await runStep(
      args({ bus, options: { timeoutMs: 700, autoVerify: true, expectedCapabilities: [] } }),
    );
    expect(r.outcome).toBe('timeout');
    expect(bus.now()).toBeGreaterThanOrEqual(700);
    expect(bus.now()).toBeLessThanOrEqual(700 + 200 + 20);
  });
});
