// The ACU link's conversation with the PD model on a virtual-time line, word for word: every frame
// sent (first copy or retransmission) and received, every wait the link asked for (the deadline of
// each read) and the result, for the cases a field bus produces — a silent PD, a garbled reply, a
// reply trickling in past its deadline, BUSY, a sequence NAK, a reply from another address, the
// early-timeout policy, a retry delay, a handshake with a damaged or late CCRYPT. Pinned as a
// snapshot (test/__snapshots__), so the link's timing and resend rules change only on purpose.
import { describe, expect, it } from 'vitest';
import { toHex } from '../src/bytes.ts';
import { AcuDriver, type AcuPort } from '../src/acu-driver.ts';
import { osdp_BUSY, osdp_NAK } from '../src/codes.ts';
import { buildFrame } from '../src/frame.ts';
import { scbkD } from '../src/sc-crypto.ts';
import type { AcuConfig, AcuResult } from '../src/acu-types.ts';
import { SimLine, corrupt, reframe, workedSessionPd, type Fault } from './support/acu-sim.ts';
import { RND_A1 } from './support/acu-setup.ts';

const ms = (t: number) => (Number.isInteger(t) ? String(t) : t.toFixed(3));

/** The line, with each read's deadline written into the transcript. */
function tracedLine(fault: (n: number) => Fault | undefined, pdBaud = 9600) {
  const line = new SimLine(workedSessionPd({ baud: pdBaud }));
  line.fault = (n) => fault(n);
  const lines: string[] = [];
  const port: AcuPort = {
    now: () => line.now(),
    write: (b) => line.write(b),
    flushInput: () => line.flushInput(),
    read: async (deadline) => {
      const r = await line.read(deadline);
      lines.push(
        r
          ? `  rx @${ms(r.at)} ${toHex(r.bytes)} (waiting until ${ms(deadline)})`
          : `  nothing by ${ms(deadline)}`,
      );
      return r;
    },
  };
  return { line, port, lines };
}

function summary(r: AcuResult): string {
  if (r.ok) return `ok ${r.reply.kind}, tries ${r.tries}`;
  // The frame an error carries is in the transcript already; bytes as hex.
  return `error ${JSON.stringify(r.error, (k, v: unknown) => (k === 'frame' ? undefined : v instanceof Uint8Array ? toHex(v) : v))}`;
}

async function converse(
  fault: (n: number) => Fault | undefined,
  run: (link: AcuDriver) => Promise<AcuResult>,
  config: Partial<AcuConfig> = {},
): Promise<string[]> {
  const { port, lines } = tracedLine(fault);
  const link = new AcuDriver(port, { address: 1, baud: 9600, ...config }, (e) =>
    lines.push(
      e.dir === 'tx'
        ? `tx @${ms(e.at)} ${toHex(e.bytes)}${e.retransmission ? ' (again)' : ''}`
        : `  trace: rx @${ms(e.at)} ${e.bytes.length} bytes`,
    ),
  );
  const r = await run(link);
  lines.push(
    `→ ${summary(r)}; next SQN ${link.state.nextSqn}${link.state.unsettled ? ', unsettled' : ''}`,
  );
  return lines;
}

const reply = (code: number, data: number[], sqn: 0 | 1 | 2 | 3 = 0, address = 1) =>
  buildFrame({ address, reply: true, sqn, check: 'crc', code, data: Uint8Array.from(data) });
const id = (link: AcuDriver) => link.send({ kind: 'ID', reportType: 0 });

describe('the ACU link on the wire, word for word', () => {
  const cases: Record<
    string,
    [(n: number) => Fault | undefined, (l: AcuDriver) => Promise<AcuResult>, Partial<AcuConfig>?]
  > = {
    'answered at once': [() => undefined, id],
    'a silent PD: every try waits out its window': [
      () => ({ command: null }),
      id,
      { tries: 3, triesIfSilent: 3 },
    ],
    'a garbled reply is answered at once with the same bytes': [
      (n) => (n === 0 ? { reply: (r) => r.map(corrupt) } : undefined),
      id,
    ],
    'bytes without a frame shape: the resend waits one inter-character timeout': [
      (n) => (n === 0 ? { reply: () => [Uint8Array.of(1, 2, 3)] } : undefined),
      id,
    ],
    'a reply trickling in past the deadline is waited for': [
      (n) => (n === 0 ? { turnaroundMs: 195, chunkBytes: 1 } : undefined),
      id,
    ],
    'a reply that starts after the deadline is too late': [
      (n) => (n === 0 ? { turnaroundMs: 250 } : undefined),
      id,
    ],
    'osdp_BUSY twice, then the answer': [
      (n) => (n < 2 ? { command: null, reply: () => [reply(osdp_BUSY, [])] } : undefined),
      id,
      { busyDelayMs: 50 },
    ],
    'a sequence NAK': [
      (n) => (n === 0 ? { command: null, reply: () => [reply(osdp_NAK, [0x04])] } : undefined),
      id,
    ],
    'NAK 0x02 to a short command: the PD misread a damaged header, so resend at once': [
      (n) => (n === 0 ? { command: null, reply: () => [reply(osdp_NAK, [0x02])] } : undefined),
      id,
    ],
    'NAK 0x02 to a short command, with a retry delay': [
      (n) => (n === 0 ? { command: null, reply: () => [reply(osdp_NAK, [0x02])] } : undefined),
      id,
      { retryDelayMs: 50 },
    ],
    'NAK 0x02 on the last try: the NAK stands': [
      () => ({ command: null, reply: () => [reply(osdp_NAK, [0x02])] }),
      id,
      { tries: 2, triesIfSilent: 2 },
    ],
    'a reply from another address is not the answer': [
      (n) => (n === 0 ? { reply: (r) => r.map((b) => reframe(b, { address: 2 })) } : undefined),
      id,
      { tries: 2, triesIfSilent: 2 },
    ],
    'the early-timeout policy on a silent PD': [
      () => ({ command: null }),
      (l) =>
        l.send(
          { kind: 'POLL' },
          { policy: { earlyTimeoutMs: 20, earlyTries: 2, tries: 2, triesIfSilent: 2 } },
        ),
    ],
    'an early window of 0 ms: only the wire time, then the full window': [
      () => ({ command: null }),
      (l) =>
        l.send(
          { kind: 'POLL' },
          { policy: { earlyTimeoutMs: 0, earlyTries: 1, tries: 1, triesIfSilent: 1 } },
        ),
    ],
    'an early window as long as the reply window, or negative: ignored': [
      () => ({ command: null }),
      async (l) => {
        await l.send(
          { kind: 'POLL' },
          { policy: { earlyTimeoutMs: 200, tries: 1, triesIfSilent: 1 } },
        );
        return l.send(
          { kind: 'POLL' },
          { policy: { earlyTimeoutMs: -1, tries: 1, triesIfSilent: 1 } },
        );
      },
    ],
    'a retry delay': [(n) => (n === 0 ? { command: null } : undefined), id, { retryDelayMs: 50 }],
    'heard but never valid: bad_reply': [
      () => ({ reply: (r) => r.map(corrupt) }),
      id,
      { tries: 2, triesIfSilent: 2 },
    ],
    'a handshake on SCBK-D with a damaged CCRYPT': [
      (n) => (n === 0 ? { reply: (r) => r.map(corrupt) } : undefined),
      (l) => l.handshake(0, scbkD(), RND_A1),
    ],
    'a handshake with the wrong key on a settled line: refused at the CCRYPT': [
      () => undefined,
      (l) => l.handshake(0, new Uint8Array(16), RND_A1),
    ],
    'the wrong key after a resend: the mismatch stands only at the deadline': [
      (n) => (n === 0 ? { reply: (r) => r.map(corrupt) } : undefined),
      (l) => l.handshake(0, new Uint8Array(16), RND_A1),
    ],
    'a handshake whose first CCRYPT comes late': [
      (n) => (n === 0 ? { turnaroundMs: 230 } : undefined),
      (l) => l.handshake(0, scbkD(), RND_A1),
    ],
  };
  for (const [name, [fault, run, config]] of Object.entries(cases))
    it(name, async () => {
      expect(await converse(fault, run, config)).toMatchSnapshot();
    });
});
