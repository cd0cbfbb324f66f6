// A small line node around @osprio/osdp's PD model, with the few knobs the guarantee tests need
// (the fault catalogue proper lives in the bus package's simulated PDs).
import { buildFrame, parseFrame, pdInit, pdStep, type PdConfig, type PdState } from '@osprio/osdp';
import type { AttachOptions, LineNode, SimLine, Transmit } from '@osprio/bus';

export interface ModelKnobs extends AttachOptions {
  /** ACK KEYSET but keep the old key (and install mode). */
  forgetKey?: boolean;
  /** ACK KEYSET, store the key, but stay in install mode. */
  stickyInstall?: boolean;
  /** Go silent right after acknowledging KEYSET (the link dies before verification). */
  muteAfterKeyset?: boolean;
  /** Answer plaintext replies with an 8-bit checksum instead of CRC-16. */
  checksumReplies?: boolean;
  /** Once keyed and out of install mode, ignore this many kk=0 (SCBK-D) osdp_CHLNGs (no reply). */
  ignoreScbkdChlng?: number;
}

export interface ModelNode {
  readonly state: PdState;
  readonly uartBaud: number;
  muted: boolean;
}

export function attachModelPd(
  line: SimLine,
  config: PdConfig,
  knobs: ModelKnobs = {},
  name = 'pd',
): ModelNode {
  let state = pdInit(config);
  let uartBaud = config.baud;
  let pendingBaud: number | undefined;
  const handle = {
    muted: false,
    get state() {
      return state;
    },
    get uartBaud() {
      return uartBaud;
    },
  };
  const node: LineNode = {
    name,
    get baud() {
      return uartBaud;
    },
    receive(bytes, at) {
      if (handle.muted) return [];
      if (
        (knobs.ignoreScbkdChlng ?? 0) > 0 &&
        state.scbk &&
        !state.installMode &&
        isScbkdChlng(bytes)
      ) {
        knobs.ignoreScbkdChlng = (knobs.ignoreScbkdChlng ?? 0) - 1;
        return [];
      }
      const before = state;
      const r = pdStep(state, { type: 'rx', bytes, at });
      state = r.state;
      const out: Transmit[] = [];
      for (const o of r.outputs) {
        if (o.type === 'send')
          out.push({ bytes: knobs.checksumReplies ? toChecksum(o.bytes) : o.bytes });
        if (o.type === 'comset_applied') pendingBaud = o.baud;
        if (o.type === 'keyset_applied') {
          if (knobs.forgetKey)
            state = { ...state, scbk: before.scbk, installMode: before.installMode };
          if (knobs.stickyInstall) state = { ...state, installMode: true };
          if (knobs.muteAfterKeyset) handle.muted = true;
        }
      }
      return out;
    },
    transmitted() {
      if (pendingBaud !== undefined) {
        uartBaud = pendingBaud;
        pendingBaud = undefined;
      }
    },
  };
  line.attach(node, knobs);
  return handle;
}

/** Re-frames a plaintext reply with a checksum (a secured one keeps CRC: its MAC covers CTRL). */
function toChecksum(bytes: Uint8Array): Uint8Array {
  const p = parseFrame(bytes);
  if (!p.ok || p.frame.scb) return bytes;
  const f = p.frame;
  return buildFrame({
    address: f.address,
    reply: true,
    sqn: f.sqn,
    check: 'checksum',
    code: f.code,
    data: f.data,
    mark: f.mark,
  });
}

function isScbkdChlng(bytes: Uint8Array): boolean {
  const p = parseFrame(bytes);
  return (
    p.ok &&
    !p.frame.reply &&
    p.frame.code === 0x76 &&
    p.frame.scb?.type === 0x11 &&
    p.frame.scb.data[0] === 0x00
  );
}
