// The seven guarantees of commissioning.md, each with a test that fails without it (4 is the
// device's: it never retries on its own). Runs the real runner over the simulated line with the
// @osprio/osdp PD model, and checks what was actually on the wire.
import { describe, expect, it } from 'vitest';
import { AcuDriver, SCBK_D, toHex, type PdConfig } from '@osprio/osdp';
import { createSimBus, type SimBus } from '@osprio/bus';
import { runStep, type RunStepArgs } from '../../src/commissioning/run-step.ts';
import type { StepLink } from '../../src/commissioning/step-link.ts';
import { deriveScbk } from '../../src/kdf.ts';
import type { AttemptResult } from '../../src/stages.ts';
import { attachModelPd, type ModelKnobs, type ModelNode } from './support/model-node.ts';
import { acuTransmissions, isChlng, isKeyset, pdReplies, timedOutProbes } from './support/trace.ts';

const SEED = Uint8Array.from({ length: 16 }, (_, i) => (i * 29 + 7) & 0xff);
const SESSION = '6f1c2a9e-0b7d-4e11-9c3a-5d2e8f4a1b60';
const A = 9;
const B = 115200;
const STEP = 4;
const SCBK = deriveScbk(SEED, SESSION, STEP, A);

const pdid = {
  vendor: Uint8Array.of(0x00, 0x06, 0x8e),
  model: 3,
  version: 1,
  serial: 4242,
  firmware: { major: 2, minor: 0, build: 1 },
};
const pdcap = [
  { functionCode: 8, compliance: 1, numberOf: 0 },
  { functionCode: 9, compliance: 1, numberOf: 1 },
];

function rng(seed = 1): (n: number) => Uint8Array {
  let x = seed;
  return (n) =>
    Uint8Array.from({ length: n }, () => ((x = (x * 1103515245 + 12345) >>> 0) >>> 16) & 0xff);
}

interface Rig {
  bus: SimBus;
  pd: ModelNode;
}

function rig(pd: Partial<PdConfig> = {}, knobs: ModelKnobs = {}, seed = 1): Rig {
  const bus = createSimBus({ baud: 9600, seed, traceLimit: Infinity });
  const node = attachModelPd(
    bus.line,
    {
      address: 0,
      baud: 9600,
      pdid,
      pdcap,
      scbk: null,
      installMode: true,
      random: { seed: 3 },
      ...pd,
    },
    knobs,
  );
  return { bus, pd: node };
}

async function attempt(
  r: Rig,
  over: Partial<RunStepArgs> = {},
  log?: string[],
): Promise<AttemptResult> {
  return runStep({
    bus: r.bus,
    target: { address: A, baud: B, stepIndex: STEP },
    options: { timeoutMs: 0, autoVerify: true, expectedCapabilities: [] },
    key: { seed: SEED, sessionId: SESSION },
    random: rng(),
    onOp: log ? (op) => log.push(JSON.stringify(op)) : undefined,
    onStage: log ? (e) => log.push(JSON.stringify(e)) : undefined,
    ...over,
  });
}

describe('guarantee 1: ok only after the key_verify handshake succeeded on the wire', () => {
  it('ok is preceded on the wire by KEYSET, then a kk=1 CHLNG on SQN 0 answered by RMAC_I ss=01', async () => {
    const r = rig();
    const res = await attempt(r);
    expect(res.outcome).toBe('ok');
    const trace = r.bus.line.trace;
    const tx = acuTransmissions(trace);
    const keyset = tx.findIndex((t) => isKeyset(t.frame));
    expect(keyset).toBeGreaterThanOrEqual(0);
    const verify = tx.findIndex((t, i) => i > keyset && isChlng(t.frame, 1));
    expect(verify).toBeGreaterThan(keyset);
    expect(tx[verify]!.frame!.sqn).toBe(0);
    const after = tx[verify]!.entry.end;
    const rmac = pdReplies(trace).find((p) => p.entry.start > after && p.frame.code === 0x78);
    expect(rmac?.frame.scb).toEqual({ type: 0x14, data: Uint8Array.of(0x01) });
  });

  it('a PD that ACKs KEYSET but does not store the key never yields ok', async () => {
    const r = rig({}, { forgetKey: true });
    const res = await attempt(r);
    // The PD model, left without a key, NAKs the kk=1 CHLNG with 0x05.
    expect(res.outcome).toMatch(/^sc_/);
    expect(res.stage).toBe('key_verify');
    expect(res.stageStatus).toBe('stalled');
  });
});

describe('guarantee 2: after ok the PD no longer accepts SCBK-D', () => {
  for (const autoVerify of [true, false]) {
    it(`autoVerify ${autoVerify}: a fresh SCBK-D handshake fails, the new key works`, async () => {
      const r = rig();
      const res = await attempt(r, {
        options: { timeoutMs: 0, autoVerify, expectedCapabilities: [] },
      });
      expect(res.outcome).toBe('ok');
      expect(r.pd.state.installMode).toBe(false);
      const probe = new AcuDriver(r.bus, { address: A, baud: B });
      const d = await probe.handshake(0, SCBK_D, Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8));
      expect(d.ok).toBe(false);
      const k = await probe.handshake(1, SCBK, Uint8Array.of(8, 7, 6, 5, 4, 3, 2, 1));
      expect(k.ok).toBe(true);
    });
  }

  it('with auto-verify, a PD that stays in install mode fails verify instead of ok', async () => {
    const r = rig({}, { stickyInstall: true });
    const res = await attempt(r);
    expect(res.outcome).toBe('verify_failed');
    expect(res.detail).toMatch(/still accepts SCBK-D/);
  });

  it('without auto-verify too, a PD that stays in install mode fails key_verify instead of ok', async () => {
    const r = rig({}, { stickyInstall: true });
    const res = await attempt(r, {
      options: { timeoutMs: 0, autoVerify: false, expectedCapabilities: [] },
    });
    expect(r.pd.state.scbk).toEqual(SCBK);
    expect(r.pd.state.installMode).toBe(true);
    expect(res.outcome).toBe('verify_failed');
    expect(res.stage).toBe('key_verify');
    expect(res.detail).toMatch(
      /^key set and proven, but the PD still accepts SCBK-D: it did not leave install mode — /,
    );
  });

  for (const autoVerify of [true, false]) {
    it(`autoVerify ${autoVerify}: silence to the SCBK-D CHLNG is not proof — one retry on a fresh link, then verify_failed`, async () => {
      // The link already retransmits a silent CHLNG twice (same bytes); the third silence ends the try.
      const once = rig({}, { ignoreScbkdChlng: 3 });
      const ok = await attempt(once, {
        options: { timeoutMs: 0, autoVerify, expectedCapabilities: [] },
      });
      expect(ok.outcome, ok.detail).toBe('ok');
      const chlngs = acuTransmissions(once.bus.line.trace)
        .filter((t) => isChlng(t.frame, 0))
        .slice(1);
      // the silent try (three transmissions at SQN 0) and the machine's retry on a new link, answered
      expect(chlngs.map((c) => c.answered)).toEqual([false, false, false, true]);
      for (const c of chlngs) expect(c.frame!.sqn).toBe(0);
      expect(chlngs.at(-1)!.answeredClean).toBe(true);

      const always = rig({}, { ignoreScbkdChlng: 99 });
      const res = await attempt(always, {
        options: { timeoutMs: 0, autoVerify, expectedCapabilities: [] },
      });
      expect(res.outcome).toBe('verify_failed');
      expect(res.stage).toBe(autoVerify ? 'verify' : 'key_verify');
      expect(res.detail).toMatch(
        /^address and baud applied \(address 9 at 115200 baud\); key set and proven, but the PD stopped answering during verification/,
      );
      expect(res.detail).not.toMatch(/install mode is off/);
    });
  }
});

describe('guarantee 3: a retry never re-keys a PD that already holds the step key', () => {
  it('link dies between the KEYSET ACK and verification; the retry ends ok without a second KEYSET', async () => {
    const r = rig({}, { muteAfterKeyset: true });
    const first = await attempt(r);
    expect(first.outcome).toBe('no_response');
    expect(first.stage).toBe('key_verify');
    expect(first.detail).toMatch(
      /a retry of this step \(same slot\) verifies the key without re-keying/,
    );
    expect(r.pd.state.scbk).toEqual(SCBK);
    r.pd.muted = false;
    const second = await attempt(r, { lastSeenBaud: first.seenAtBaud });
    expect(second.outcome).toBe('ok');
    expect(second.detail).toMatch(/not re-keyed/);
    expect(second.completed).not.toContain('keyset');
    const keysets = acuTransmissions(r.bus.line.trace).filter((t) => isKeyset(t.frame));
    expect(keysets).toHaveLength(1);
  });

  it('a PD that already holds the key is not turned into a failure', async () => {
    const r = rig({ address: A, baud: B, scbk: SCBK, installMode: false });
    const res = await attempt(r, { lastSeenBaud: B });
    expect(res.outcome).toBe('ok');
    expect(acuTransmissions(r.bus.line.trace).filter((t) => isKeyset(t.frame))).toHaveLength(0);
  });
});

describe('guarantee 5: sequence numbers', () => {
  it('a retransmission reuses the SQN and the exact bytes (noisy line)', async () => {
    let retransmissions = 0;
    for (const seed of [1, 2, 3, 4, 5, 6]) {
      const r = rig({}, { byteErrorRate: 0.01 }, seed);
      const res = await attempt(r);
      expect(res.outcome).toBe('ok');
      const tx = acuTransmissions(r.bus.line.trace);
      for (let i = 1; i < tx.length; i++) {
        const prev = tx[i - 1]!;
        const cur = tx[i]!;
        // Same baud, same address and SQN, and the previous one got no clean answer: a retransmission.
        if (
          !prev.answeredClean &&
          prev.entry.baud === cur.entry.baud &&
          prev.frame?.address === cur.frame?.address &&
          prev.frame?.sqn === cur.frame?.sqn &&
          prev.frame?.code === cur.frame?.code &&
          cur.frame?.sqn !== 0
        ) {
          retransmissions++;
          expect(toHex(cur.entry.bytes)).toBe(toHex(prev.entry.bytes));
        }
      }
    }
    expect(retransmissions).toBeGreaterThan(0);
  });

  it('a new link starts at SQN 0 after COMSET and before every handshake', async () => {
    const r = rig();
    expect((await attempt(r)).outcome).toBe('ok');
    const tx = acuTransmissions(r.bus.line.trace);
    const comset = tx.findIndex((t) => t.frame?.code === 0x6e);
    expect(tx[comset + 1]!.entry.baud).toBe(B);
    expect(tx[comset + 1]!.frame!.sqn).toBe(0);
    const chlngs = tx.filter((t) => isChlng(t.frame));
    expect(chlngs.length).toBe(3); // install (SCBK-D), key_verify, verify's SCBK-D probe
    for (const c of chlngs) expect(c.frame!.sqn).toBe(0);
    // otherwise SQNs follow 0,1,2,3,1,… on each link
    for (let i = 1; i < tx.length; i++) {
      const p = tx[i - 1]!.frame!;
      const c = tx[i]!.frame!;
      if (c.sqn !== 0 && tx[i - 1]!.answeredClean) expect(c.sqn).toBe((p.sqn % 3) + 1);
    }
  });
});

describe('guarantee 6: CRC-16 on everything sent; checksum replies accepted', () => {
  it('every frame the provisioner sent parses with a valid CRC-16', async () => {
    const r = rig({}, { byteErrorRate: 0.005 }, 11);
    await attempt(r);
    const tx = acuTransmissions(r.bus.line.trace);
    expect(tx.length).toBeGreaterThan(8);
    for (const t of tx) {
      expect(t.parseError).toBeUndefined();
      expect(t.frame!.check).toBe('crc');
    }
  });

  it('a PD answering plaintext in checksum mode is commissioned', async () => {
    const r = rig({}, { checksumReplies: true });
    const res = await attempt(r);
    expect(res.outcome).toBe('ok');
    expect(pdReplies(r.bus.line.trace).some((p) => p.frame.check === 'checksum')).toBe(true);
  });
});

describe('guarantee 7: no seed or SCBK in any detail, op, stage event or error', () => {
  const secrets = [toHex(SEED), toHex(SCBK)].flatMap((h) => [h, h.toUpperCase()]);
  // Also the bytes as a decimal list (JSON of a Uint8Array-like array) would give it away.
  const decimal = [Array.from(SCBK).join(','), Array.from(SEED).join(',')];
  const clean = (s: string) => {
    for (const x of [...secrets, ...decimal])
      expect(s.includes(x), `secret leaked in: ${s.slice(0, 120)}`).toBe(false);
  };

  it.each([
    ['happy path', {}, {}],
    ['keyed with another SCBK', { scbk: new Uint8Array(16).fill(0x5a), installMode: false }, {}],
    ['key not stored', {}, { forgetKey: true }],
    ['install mode sticky', {}, { stickyInstall: true }],
    ['dies after KEYSET', {}, { muteAfterKeyset: true }],
    ['noisy', {}, { byteErrorRate: 0.02 }],
  ] as const)('%s', async (_n, pd, knobs) => {
    const log: string[] = [];
    const r = rig(pd as Partial<PdConfig>, knobs as ModelKnobs);
    const res = await attempt(r, {}, log);
    log.push(JSON.stringify(res));
    for (const l of log) clean(l);
  });

  it('an error thrown below the runner is redacted before it reaches the detail', async () => {
    const leaky: StepLink = {
      restart() {},
      setBaud() {},
      async command() {
        throw new Error(
          `driver exploded with key ${toHex(SCBK)} and seed ${toHex(SEED).toUpperCase()}`,
        );
      },
      async handshake() {
        throw new Error('unreachable');
      },
    };
    const r = rig();
    const res = await attempt(r, { link: leaky });
    expect(res.outcome).toBe('internal_error');
    expect(res.detail).toMatch(/\[redacted\]/);
    clean(res.detail);
  });

  it('a caller-supplied SCBK is not wiped in the caller’s hands, only the runner’s copy', async () => {
    const mine = SCBK.slice();
    const r = rig();
    const res = await attempt(r, { key: { scbk: mine } });
    expect(res.outcome).toBe('ok');
    expect(mine).toEqual(SCBK);
  });
});

describe('bus time', () => {
  it('happy path, PD at the first candidate baud: zero timed-out probes', async () => {
    const r = rig();
    const res = await attempt(r, { target: { address: A, baud: 9600, stepIndex: STEP } });
    expect(res.outcome).toBe('ok');
    expect(timedOutProbes(r.bus.line.trace)).toBe(0);
  });

  it('without auto-verify the SCBK-D check costs one exchange (CHLNG → failing CCRYPT), no timed-out probe', async () => {
    const r = rig();
    const res = await attempt(r, {
      target: { address: A, baud: 9600, stepIndex: STEP },
      options: { timeoutMs: 0, autoVerify: false, expectedCapabilities: [] },
    });
    expect(res.outcome).toBe('ok');
    expect(timedOutProbes(r.bus.line.trace)).toBe(0);
    const tx = acuTransmissions(r.bus.line.trace);
    const verify = tx.findIndex((t) => isChlng(t.frame, 1));
    const check = tx.findIndex((t, i) => i > verify && isChlng(t.frame, 0));
    expect(check).toBe(tx.length - 1);
    expect(tx[check]!.frame!.sqn).toBe(0);
    const reply = pdReplies(r.bus.line.trace).filter((p) => p.entry.start > tx[check]!.entry.end);
    expect(reply.map((p) => p.frame.code)).toEqual([0x76]);
  });

  it('a retry with lastSeenBaud = B also costs zero timed-out probes', async () => {
    const r = rig({ address: A, baud: B, scbk: SCBK, installMode: false });
    const res = await attempt(r, { lastSeenBaud: B });
    expect(res.outcome).toBe('ok');
    expect(timedOutProbes(r.bus.line.trace)).toBe(0);
  });
});
