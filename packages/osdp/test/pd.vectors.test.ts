import { describe, expect, it } from 'vitest';
import { libosdpCaptures, osdpVectors } from '../../../test-support/shared.ts';
import { type Bytes, fromHex, toHex } from '../src/bytes.ts';
import { buildFrame, parseFrame } from '../src/frame.ts';
import { type PdConfig, type PdOutput, type PdState, pdInit, pdStep } from '../src/pd.ts';

const session = osdpVectors.secure_channel.worked_provisioning_session;

function rx(state: PdState, hex: string): { state: PdState; sent: string[]; outputs: PdOutput[] } {
  const r = pdStep(state, { type: 'rx', bytes: fromHex(hex) });
  return {
    state: r.state,
    outputs: r.outputs,
    sent: r.outputs.flatMap((o) => (o.type === 'send' ? [toHex(o.bytes)] : [])),
  };
}

/** Configured as the capture's pd_args: --install-mode --address 3, PDID and caps as listed. */
function libosdpCaptureConfig(): PdConfig {
  return {
    address: 3,
    baud: 9600,
    pdid: {
      vendor: Uint8Array.of(0x0c, 0x0b, 0x0a),
      model: 153,
      version: 1,
      serial: 0x01020304,
      firmware: { major: 3, minor: 2, build: 1 },
    },
    // LED 1/1 and buzzer 1/1 from the app; libosdp adds CRC, AES-128, RX buffer 256 and OSDP 2.2.
    pdcap: [
      { functionCode: 4, compliance: 1, numberOf: 1 },
      { functionCode: 5, compliance: 1, numberOf: 1 },
      { functionCode: 8, compliance: 1, numberOf: 0 },
      { functionCode: 9, compliance: 1, numberOf: 0 },
      { functionCode: 10, compliance: 0, numberOf: 1 },
      { functionCode: 16, compliance: 2, numberOf: 0 },
    ],
    scbk: null,
    installMode: true,
    random: { seed: 1 },
  };
}

/** The worked session's PD: address 1, illustrative PDID/PDCAP of steps 2 and 4, install mode. */
function workedSessionConfig(overrides: Partial<PdConfig> = {}): PdConfig {
  const rndB = [fromHex(session.keys_session1.rnd_b), fromHex(session.keys_session2.rnd_b)];
  return {
    address: 1,
    baud: 9600,
    pdid: {
      vendor: Uint8Array.of(0x0a, 0x00, 0x17),
      model: 1,
      version: 2,
      serial: 0x12345678,
      firmware: { major: 1, minor: 2, build: 3 },
    },
    pdcap: [
      { functionCode: 8, compliance: 1, numberOf: 0 },
      { functionCode: 9, compliance: 1, numberOf: 1 },
      { functionCode: 10, compliance: 0, numberOf: 1 },
      { functionCode: 16, compliance: 2, numberOf: 0 },
    ],
    scbk: null,
    installMode: true,
    random: (n: number): Bytes => rndB[n]!,
    ...overrides,
  };
}

describe('reproduces every observed libosdp PD exchange byte for byte', () => {
  const exchanges = libosdpCaptures.observed_libosdp_pd.exchanges;
  it('configured like pd_args', () => {
    expect(libosdpCaptures.observed_libosdp_pd.pd_args).toContain('--install-mode --address 3');
  });

  it.each(exchanges.map((e, i) => ({ ...e, i })))('#$i $note', ({ i }) => {
    // Each exchange runs on the state left by all the ones before it, as in the capture.
    let state = pdInit(libosdpCaptureConfig());
    for (let k = 0; k < i; k++) state = rx(state, exchanges[k]!.cmd).state;
    const r = rx(state, exchanges[i]!.cmd);
    expect(r.sent).toEqual(exchanges[i]!.reply ? [exchanges[i]!.reply] : []);
  });

  it('reports when to switch after COMSET: after the osdp_COM has been sent, with the new values', () => {
    let state = pdInit(libosdpCaptureConfig());
    const idx = exchanges.findIndex((e) => e.cmd.startsWith('53050d'));
    for (let k = 0; k < idx; k++) state = rx(state, exchanges[k]!.cmd).state;
    const r = rx(state, exchanges[idx]!.cmd);
    expect(r.outputs.map((o) => o.type)).toEqual(['send', 'comset_applied']);
    expect(r.outputs[1]).toEqual({ type: 'comset_applied', address: 6, baud: 115200 });
    expect(r.state.address).toBe(6);
    expect(r.state.baud).toBe(115200);
  });

  it('keeps the SQN libosdp keeps after NAK 04: the expected one (1), so SQN 2 is next', () => {
    let state = pdInit(libosdpCaptureConfig());
    const idx = exchanges.findIndex((e) => e.reply === '53830900054104520d');
    for (let k = 0; k <= idx; k++) state = rx(state, exchanges[k]!.cmd).state;
    expect(state.seq).toBe(1);
    // POLL SQN 2 to address 3 is accepted as the next command.
    const poll2 = toHex(
      buildFrame({
        address: 3,
        reply: false,
        sqn: 2,
        check: 'crc',
        code: 0x60,
        data: new Uint8Array(0),
      }),
    );
    expect(rx(state, poll2).sent).toEqual([
      toHex(
        buildFrame({
          address: 3,
          reply: true,
          sqn: 2,
          check: 'crc',
          code: 0x40,
          data: new Uint8Array(0),
        }),
      ),
    ]);
  });

  it('the whole capture also runs as one byte stream cut at arbitrary places', () => {
    let state = pdInit(libosdpCaptureConfig());
    const sent: string[] = [];
    exchanges.forEach((e, i) => {
      const bytes = fromHex(e.cmd);
      const cut = (i * 5) % bytes.length;
      for (const part of [bytes.subarray(0, cut), bytes.subarray(cut)]) {
        const r = pdStep(state, { type: 'rx', bytes: part, at: i * 100 });
        state = r.state;
        for (const o of r.outputs) if (o.type === 'send') sent.push(toHex(o.bytes));
      }
    });
    expect(sent).toEqual(exchanges.flatMap((e) => (e.reply ? [e.reply] : [])));
  });
});

describe('completes the worked provisioning session byte for byte', () => {
  const steps = session.steps;

  function runSession(config: PdConfig): {
    replies: Map<number, string[]>;
    outputs: PdOutput[];
    state: PdState;
  } {
    let state = pdInit(config);
    const replies = new Map<number, string[]>();
    const outputs: PdOutput[] = [];
    for (const s of steps.filter((x) => x.direction === 'CP->PD')) {
      const r = rx(state, s.packet_hex);
      state = r.state;
      replies.set(s.step, r.sent);
      outputs.push(...r.outputs);
    }
    return { replies, outputs, state };
  }

  it.each(steps.filter((s) => s.direction === 'PD->CP'))('step $step: $name', (s) => {
    const { replies } = runSession(workedSessionConfig());
    expect(replies.get(s.step - 1)).toEqual([s.packet_hex.toLowerCase()]);
  });

  it('answers the final secure POLL (step 19) with an SCS_16 ACK under the new session', () => {
    const { replies } = runSession(workedSessionConfig());
    const last = replies.get(19)!;
    expect(last).toHaveLength(1);
    const f = parseFrame(fromHex(last[0]!));
    expect(f.ok && f.frame.scb?.type).toBe(0x16);
    expect(f.ok && f.frame.code).toBe(0x40);
  });

  it('emits keyset_applied with the new SCBK, leaves install mode and re-keys', () => {
    const { outputs, state } = runSession(workedSessionConfig());
    const keyset = outputs.filter((o) => o.type === 'keyset_applied');
    expect(keyset).toHaveLength(1);
    expect(keyset[0]!.type === 'keyset_applied' && toHex(keyset[0]!.scbk)).toBe(
      session.keys_session2.scbk.toLowerCase(),
    );
    expect(state.installMode).toBe(false);
    expect(toHex(state.scbk!)).toBe(session.keys_session2.scbk.toLowerCase());
    expect(
      outputs
        .filter((o) => o.type === 'sc_established')
        .map((o) => o.type === 'sc_established' && o.kk),
    ).toEqual([0, 1]);
    expect(state.sc.phase).toBe('active');
  });

  it('HID-style variant: plaintext ACK to KEYSET, as in the step-14 note', () => {
    const plainAck = /plaintext ACK: ([0-9A-F]+)/.exec(steps[13]!.note)![1]!;
    const { replies, state } = runSession(workedSessionConfig({ keysetAck: 'plaintext' }));
    expect(replies.get(13)).toEqual([plainAck.toLowerCase()]);
    // The new handshake still completes with the new key.
    expect(replies.get(17)).toEqual([steps[17]!.packet_hex.toLowerCase()]);
    expect(state.sc.phase).toBe('active');
  });
});
