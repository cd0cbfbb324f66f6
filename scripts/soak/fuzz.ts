// Soak, fuzzing. Each case ends with no crash, no state change from a rejected input, and a reason
// for every rejection:
// - frames: mutated and random frames into the stream parser and the PD model;
// - link: mutated link messages into a device (the real Device behind the real link server);
// - profiles: malformed profiles into validation (and profile files into their parser).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Prng } from '@osprio/bus';
import {
  FrameStreamParser,
  buildFrame,
  encodeCommand,
  pdInit,
  pdStep,
  toHex,
  type Command,
  type DropReason,
  type PdConfig,
  type PdState,
} from '@osprio/osdp';
import { Device, DeviceLinkHandler, modelConfig } from '@osprio/device';
import type { StepExecutor } from '@osprio/device';
import { createLinkServer, createMemoryPair, ERROR_CODES } from '@osprio/link';
import { parseProfileFile, validateProfile } from '@osprio/provisioner';
import { factoryPdConfig } from '@osprio/bus';

export interface FuzzReport {
  name: string;
  cases: number;
  /** Inputs rejected (with a reason each). */
  rejected: number;
  findings: string[];
}

const DROP_REASONS: readonly DropReason[] = [
  'garbage',
  'bad_length',
  'bad_ctrl',
  'bad_check',
  'bad_scb',
  'timeout',
  'wrong_direction',
  'reset',
];
const MAX_FINDINGS = 20;

function note(r: FuzzReport, f: string): void {
  if (r.findings.length < MAX_FINDINGS) r.findings.push(f);
  else if (r.findings.length === MAX_FINDINGS) r.findings.push('… more findings cut');
}

/** A mutation of `b`: bit flips, byte replacements, truncation, extension, or a slice moved. */
function mutate(rand: Prng, b: Uint8Array): Uint8Array {
  const out = Array.from(b);
  const n = 1 + rand.int(4);
  for (let k = 0; k < n; k++) {
    switch (rand.int(6)) {
      case 0:
        if (out.length) out[rand.int(out.length)]! ^= 1 << rand.int(8);
        break;
      case 1:
        if (out.length) out[rand.int(out.length)] = rand.int(256);
        break;
      case 2:
        out.length = rand.int(out.length + 1);
        break;
      case 3:
        for (let i = rand.int(8); i > 0; i--) out.push(rand.int(256));
        break;
      case 4:
        if (out.length > 2) out.splice(rand.int(out.length), 1);
        break;
      case 5:
        if (out.length > 4) out[2 + rand.int(2)] = rand.int(256); // LEN
        break;
    }
  }
  return Uint8Array.from(out);
}

function randomBytes(rand: Prng, max: number): Uint8Array {
  return Uint8Array.from({ length: rand.int(max + 1) }, () => rand.int(256));
}

// ─────────────────────────── frames ───────────────────────────

const COMMANDS: Command[] = [
  { kind: 'POLL' },
  { kind: 'ID', reportType: 0 },
  { kind: 'CAP', reportType: 0 },
  { kind: 'LSTAT' },
  { kind: 'COMSET', address: 5, baud: 115200 },
  { kind: 'KEYSET', keyType: 1, key: new Uint8Array(16).fill(0x5a) },
] as Command[];

function corpus(): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const c of COMMANDS) {
    const p = encodeCommand(c);
    for (const sqn of [0, 1] as const) {
      for (const address of [0, 0x7f])
        out.push(
          buildFrame({
            address,
            reply: false,
            sqn,
            check: 'crc',
            mark: sqn === 1,
            code: p.code,
            data: p.data,
          }),
        );
    }
  }
  // a CHLNG (kk = 0): the start of a handshake
  out.push(
    buildFrame({
      address: 0,
      reply: false,
      sqn: 0,
      check: 'crc',
      scb: { type: 0x11, data: Uint8Array.of(0) },
      code: 0x76,
      data: Uint8Array.from({ length: 8 }, (_, i) => i),
    }),
  );
  return out;
}

function flash(s: PdState): string {
  return `${s.address}/${s.baud}/${s.scbk ? toHex(s.scbk) : '-'}/${s.installMode}`;
}

export function fuzzFrames(seed: number, cases: number): FuzzReport {
  const rand = new Prng(seed).fork('frames');
  const r: FuzzReport = {
    name: 'frames → stream parser + PD model',
    cases: 0,
    rejected: 0,
    findings: [],
  };
  const seeds = corpus();
  const cfg: PdConfig = factoryPdConfig({ random: { seed } });
  const fresh = pdInit(cfg);
  const parser = new FrameStreamParser({ accept: 'commands' });
  let at = 0;
  for (let i = 0; i < cases; i++) {
    const bytes = rand.chance(0.2)
      ? randomBytes(rand, 64)
      : mutate(rand, seeds[rand.int(seeds.length)]!);
    at += 50;
    r.cases++;
    try {
      // the stream parser, fed in random chunks: every drop says why
      for (let o = 0; o < bytes.length;) {
        const n = 1 + rand.int(bytes.length - o);
        for (const ev of parser.push(bytes.subarray(o, o + n), at)) {
          if (ev.type === 'dropped' && !DROP_REASONS.includes(ev.reason))
            note(r, `case ${i}: parser drop without a known reason (${String(ev.reason)})`);
        }
        o += n;
      }
      for (const ev of parser.expire(at + 25))
        if (ev.type === 'dropped' && !DROP_REASONS.includes(ev.reason))
          note(r, `case ${i}: expiry drop without a reason`);
      if (parser.pending > parser.maxLength + 1)
        note(r, `case ${i}: parser holds ${parser.pending} bytes`);

      // the PD model, factory-fresh each case: a rejected frame changes nothing that survives it
      const out = pdStep(fresh, { type: 'rx', bytes, at: 0 });
      const after = pdStep(out.state, { type: 'tick', at: 100 });
      const outputs = [...out.outputs, ...after.outputs];
      const applied = outputs.some(
        (o) => o.type === 'comset_applied' || o.type === 'keyset_applied',
      );
      const sent = outputs.some((o) => o.type === 'send');
      if (!applied && flash(after.state) !== flash(fresh))
        note(r, `case ${i}: PD settings changed without COMSET/KEYSET applied (${toHex(bytes)})`);
      if (outputs.some((o) => o.type === 'keyset_applied'))
        note(r, `case ${i}: a KEYSET outside a session was applied (${toHex(bytes)})`);
      if (!sent && bytes.length > 0) {
        r.rejected++;
        const why = outputs.filter((o) => o.type === 'ignored');
        if (why.length === 0 && after.state.rx.buf.length === 0)
          note(r, `case ${i}: PD dropped ${bytes.length} bytes without a reason (${toHex(bytes)})`);
        if (why.some((o) => o.type === 'ignored' && !o.reason)) note(r, `case ${i}: empty reason`);
      }
    } catch (e) {
      note(r, `case ${i}: threw ${e instanceof Error ? e.message : String(e)} on ${toHex(bytes)}`);
    }
  }
  return r;
}

// ─────────────────────────── link messages ───────────────────────────

const okExecutor: StepExecutor = async () => ({
  outcome: 'ok',
  detail: 'fuzz',
  stage: 'key_verify',
  stageStatus: 'done',
  completed: ['discover', 'comset', 'confirm', 'install_session', 'keyset', 'key_verify'],
});

const SEED_HEX = '00112233445566778899aabbccddeeff';
const PROFILE = {
  name: 'fuzz',
  deviceCount: 3,
  addressStrategy: 'sequential',
  startAddress: 1,
  manualAddresses: [],
  baud: 9600,
  expectedCapabilities: [],
  timeoutMs: 0,
  autoVerify: false,
};
const VALID: Record<string, unknown>[] = [
  { type: 'hello', params: { protocolVersion: 1 } },
  { type: 'status', params: {} },
  { type: 'listSlots', params: {} },
  { type: 'getSlot', params: { slot: 1 } },
  {
    type: 'createSlot',
    params: {
      slot: 2,
      header: PROFILE,
      sessionId: '00000000-0000-4000-8000-000000000002',
      seed: SEED_HEX,
    },
  },
  { type: 'uploadSteps', params: { slot: 2, steps: [{ index: 0, address: 1, baud: 9600 }] } },
  { type: 'sealSlot', params: { slot: 2, stepCount: 3 } },
  { type: 'verb', params: { slot: 1, stepIndex: 0, verb: 'skip' } },
  { type: 'subscribe', params: { slot: 1, sinceSeq: 0 } },
  { type: 'deleteSlot', params: { slot: 3 } },
];

function jsonValue(rand: Prng, depth = 0): unknown {
  switch (rand.int(depth > 2 ? 6 : 8)) {
    case 0:
      return null;
    case 1:
      return rand.chance(0.5);
    case 2:
      return rand.int(2) ? rand.int(1000) - 500 : [1e308, -0, NaN, 2 ** 53 + 1, 0.5][rand.int(5)];
    case 3:
      return ['', 'try', 'slot', '__proto__', 'x'.repeat(rand.int(300)), '\u0000', 'seed'][
        rand.int(7)
      ];
    case 4:
      return SEED_HEX.slice(rand.int(32));
    case 5:
      return rand.int(130);
    case 6:
      return Array.from({ length: rand.int(4) }, () => jsonValue(rand, depth + 1));
    default:
      return Object.fromEntries(
        Array.from({ length: rand.int(4) }, () => [
          ['slot', 'seed', 'steps', '__proto__', 'constructor', 'index'][rand.int(6)]!,
          jsonValue(rand, depth + 1),
        ]),
      );
  }
}

function mutateJson(rand: Prng, v: unknown): unknown {
  if (typeof v !== 'object' || v === null || rand.chance(0.25)) return jsonValue(rand);
  const copy: Record<string, unknown> = Array.isArray(v)
    ? ([...v] as never)
    : { ...(v as Record<string, unknown>) };
  const keys = Object.keys(copy);
  if (keys.length === 0 || rand.chance(0.1))
    copy[['extra', 'id', 'type', 'params'][rand.int(4)]!] = jsonValue(rand);
  else if (rand.chance(0.15)) delete copy[keys[rand.int(keys.length)]!];
  else {
    const k = keys[rand.int(keys.length)]!;
    copy[k] = mutateJson(rand, copy[k]);
  }
  return copy;
}

export async function fuzzLink(seed: number, cases: number): Promise<FuzzReport> {
  const rand = new Prng(seed).fork('link');
  const r: FuzzReport = { name: 'link messages → device', cases: 0, rejected: 0, findings: [] };
  const dir = mkdtempSync(join(tmpdir(), 'osprio-soak-link-'));
  const device = Device.open({
    config: modelConfig('osprio-pro'),
    stateDir: dir,
    executor: okExecutor,
    durable: false,
  });
  try {
    const handler = new DeviceLinkHandler(device);
    // A plan in slot 1 for mutated requests to hit.
    device.createSlot(
      1,
      PROFILE as never,
      '00000000-0000-4000-8000-000000000001',
      new Uint8Array(16).fill(7),
    );
    device.uploadSteps(
      1,
      [0, 1, 2].map((i) => ({ index: i, address: i + 1, baud: 9600 })),
    );
    device.sealSlot(1, 3);
    const snapshot = () => {
      const l = device.listSlots();
      return JSON.stringify(
        l.ok ? l.slots.map((s) => [s.index, s.state, s.counters, s.lastSeq, s.sessionId]) : l,
      );
    };

    let host: ReturnType<typeof createMemoryPair>[0] | null = null;
    let next: ((text: string) => void) | null = null;
    const open = async () => {
      const [h, d] = createMemoryPair();
      createLinkServer(handler, d);
      h.onMessage((data) => {
        const text = typeof data === 'string' ? data : new TextDecoder().decode(data);
        if (/"event"\s*:/.test(text)) return;
        next?.(text);
      });
      host = h;
      await exchange(JSON.stringify({ id: 1, type: 'hello', params: { protocolVersion: 1 } }));
    };
    const exchange = (text: string) =>
      new Promise<string | null>((resolve) => {
        const t = setTimeout(() => resolve(null), 2000);
        next = (reply) => {
          clearTimeout(t);
          next = null;
          resolve(reply);
        };
        host!.send(text);
      });
    await open();
    let id = 10;
    for (let i = 0; i < cases; i++) {
      r.cases++;
      if (!host || (host as { closed: boolean }).closed) await open();
      const base = { id: ++id, ...VALID[rand.int(VALID.length)]! };
      let text: string;
      if (rand.chance(0.15)) {
        const bytes = new TextEncoder().encode(JSON.stringify(base));
        text = new TextDecoder().decode(mutate(rand, bytes));
      } else text = JSON.stringify(mutateJson(rand, base)) ?? 'null';
      const before = snapshot();
      let reply: string | null;
      try {
        reply = await exchange(text);
      } catch (e) {
        note(r, `case ${i}: threw ${e instanceof Error ? e.message : String(e)}`);
        continue;
      }
      if (reply === null) {
        if (!(host as unknown as { closed: boolean }).closed)
          note(r, `case ${i}: no reply within 2 s to ${text.slice(0, 120)}`);
        else r.rejected++; // the server closed the link on it: a protocol-level refusal, logged by close code
        continue;
      }
      let msg: { ok?: boolean; error?: { code?: string; message?: string } };
      try {
        msg = JSON.parse(reply) as typeof msg;
      } catch {
        note(r, `case ${i}: reply is not JSON`);
        continue;
      }
      if (msg.ok === false) {
        r.rejected++;
        if (
          !msg.error?.code ||
          !(ERROR_CODES as readonly string[]).includes(msg.error.code) ||
          !msg.error.message
        )
          note(r, `case ${i}: rejection without a code and reason: ${reply.slice(0, 200)}`);
        const after = snapshot();
        if (after !== before)
          note(
            r,
            `case ${i}: rejected (${msg.error?.code}) but the device changed: ${text.slice(0, 160)}`,
          );
      }
      if (reply.includes(SEED_HEX) && !/"type"\s*:\s*"getSlot"/.test(reply))
        note(r, `case ${i}: a seed in a reply other than getSlot`);
    }
  } finally {
    await device.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return r;
}

// ─────────────────────────── profiles ───────────────────────────

const GOOD_PROFILE = {
  name: 'Lobby readers',
  deviceCount: 12,
  addressStrategy: 'sequential',
  startAddress: 1,
  manualAddresses: [],
  baud: 115200,
  expectedCapabilities: [{ functionCode: 16, minCompliance: 2, minCount: 0 }],
  timeoutMs: 0,
  autoVerify: true,
};

export function fuzzProfiles(seed: number, cases: number): FuzzReport {
  const rand = new Prng(seed).fork('profiles');
  const r: FuzzReport = { name: 'profiles → validation', cases: 0, rejected: 0, findings: [] };
  for (let i = 0; i < cases; i++) {
    r.cases++;
    const input = i % 10 === 0 ? jsonValue(rand) : mutateJson(rand, GOOD_PROFILE);
    const frozen = JSON.stringify(input);
    try {
      const v = validateProfile(input);
      if (JSON.stringify(input) !== frozen) note(r, `case ${i}: validation changed its input`);
      if (!v.ok) {
        r.rejected++;
        if (v.problems.length === 0 || v.problems.some((p) => !p.message))
          note(r, `case ${i}: rejected without a reason: ${frozen.slice(0, 160)}`);
      }
      // the same profile as a file, sometimes with its text mangled
      const fileText = JSON.stringify({ kind: 'osprio-profile', version: 1, profile: input }) ?? '';
      const text = rand.chance(0.2)
        ? new TextDecoder().decode(mutate(rand, new TextEncoder().encode(fileText)))
        : fileText;
      const f = parseProfileFile(text);
      if (!f.ok && (f.problems.length === 0 || f.problems.some((p) => !p.message)))
        note(r, `case ${i}: profile file rejected without a reason`);
      if (f.ok && !v.ok && text === fileText)
        note(r, `case ${i}: the file parser accepted what validation rejected`);
    } catch (e) {
      note(
        r,
        `case ${i}: threw ${e instanceof Error ? e.message : String(e)} on ${frozen.slice(0, 160)}`,
      );
    }
  }
  return r;
}
