// Decodes a bus capture frame by frame, as a technician pastes it, and follows secure-channel
// sessions when the SCBK is known: handshake cryptograms checked, MACs verified, SCS_17/18
// payloads decrypted. After an acknowledged osdp_KEYSET the follower switches to the new key by
// itself, so a whole provisioning exchange decodes from one --scbk (or none, for SCBK-D).
// Pure: bytes in, descriptions out; bad input becomes an entry with a one-line reason.

import { equalCt, hex2, toHex, type Bytes } from './bytes.ts';
import {
  KEY_SCBK_D,
  NAK_CODES,
  PDCAP_FUNCTIONS,
  SCS_15,
  SCS_16,
  SCS_17,
  SCS_18,
  codeName,
  osdp_CHLNG,
  osdp_KEYSET,
  osdp_NAK,
} from './codes.ts';
import { decodeCommand, type Command } from './commands.ts';
import { BROADCAST, macInputOf, type Frame } from './frame.ts';
import { decodeReply, type Reply } from './replies.ts';
import {
  SCBK_D,
  clientCryptogram,
  decryptData,
  deriveSessionKeys,
  initialRmac,
  macMatches,
  osdpMac,
  serverCryptogram,
  type SessionKeys,
} from './sc-crypto.ts';
import { FrameStreamParser } from './stream.ts';

export interface CaptureOptions {
  /** The PD's SCBK, for sessions opened with key indicator 0x01 (SCBK-D sessions need none). */
  scbk?: Bytes;
  /** Show key bytes carried by osdp_KEYSET; hidden by default. */
  revealKeys?: boolean;
}

export interface DecodedField {
  name: string;
  value: string;
}

export interface CaptureEntry {
  /** 1-based position in the capture. */
  index: number;
  hex: string;
  ok: boolean;
  /** One line: direction, address, SQN, check mode, message name — or why the bytes were dropped. */
  summary: string;
  error?: string;
  fields: DecodedField[];
}

interface Handshake {
  kk: number;
  rndA: Bytes;
  key?: Bytes;
  keys?: SessionKeys;
  rndB?: Bytes;
}

interface Session {
  keys: SessionKeys;
  cMac: Bytes;
  rMac: Bytes;
}

/** The follower's memory between frames. */
interface Follow {
  opts: CaptureOptions;
  /** Key to use for kk=0x01 handshakes; starts as --scbk and moves on after an acknowledged KEYSET. */
  scbk?: Bytes;
  handshake?: Handshake;
  session?: Session;
  pendingKey?: Bytes;
}

const hex = toHex;

/** A decoded frame's fields, and the checks it failed (each becomes the entry's one-line reason). */
interface Out {
  fields: DecodedField[];
  problems: string[];
}

function check(o: Out, name: string, good: boolean, bad: string): void {
  o.fields.push({ name, value: good ? 'ok' : `MISMATCH ${bad}`.trim() });
  if (!good) o.problems.push(`${name} failed${bad ? ` ${bad}` : ''}`);
}

/** Splits every input into frames (each may hold several concatenated frames) and decodes them. */
export function decodeCapture(inputs: readonly Bytes[], opts: CaptureOptions = {}): CaptureEntry[] {
  // A caller's mistake, not a peer's: say so before any frame is read.
  if (opts.scbk !== undefined && opts.scbk.length !== 16)
    throw new RangeError(`scbk must be 16 bytes, got ${opts.scbk.length}`);
  const st: Follow = { opts, scbk: opts.scbk };
  const out: CaptureEntry[] = [];
  for (const input of inputs) {
    const parser = new FrameStreamParser();
    const events = [...parser.push(input), ...parser.reset()];
    for (const ev of events) {
      const index = out.length + 1;
      if (ev.type === 'dropped') {
        const why = ev.message ?? reasonText(ev.reason);
        out.push({
          index,
          hex: hex(ev.bytes),
          ok: false,
          summary: `dropped ${ev.bytes.length} byte(s): ${why}`,
          error: why,
          fields: [],
        });
      } else {
        out.push(describe(st, ev.frame, index));
      }
    }
  }
  return out;
}

/** Words for the drops the parser reports without a message; the others carry the parser's own. */
function reasonText(reason: string): string {
  switch (reason) {
    case 'garbage':
      return 'no start of message (0x53) in these bytes';
    case 'reset':
      return 'incomplete frame at the end of the input';
    default:
      return reason;
  }
}

function describe(st: Follow, frame: Frame, index: number): CaptureEntry {
  const dir = frame.reply ? 'PD→CP' : 'CP→PD';
  const addr =
    frame.address === BROADCAST
      ? frame.reply
        ? '0xFF (broadcast reply)'
        : '0x7F (broadcast)'
      : `0x${hex2(frame.address)}`;
  const name = codeName(frame.code, frame.reply);
  const o: Out = { fields: [], problems: [] };
  const fields = o.fields;
  fields.push(
    { name: 'direction', value: dir },
    { name: 'address', value: addr },
    { name: 'sqn', value: String(frame.sqn) },
    { name: 'check', value: frame.check === 'crc' ? 'CRC-16' : 'checksum' },
    { name: 'length', value: String(frame.bytes.length) },
  );
  if (frame.mark) fields.push({ name: 'mark', value: '0xFF' });
  if (frame.scb)
    fields.push({
      name: 'scb',
      value: `SCS_${frame.scb.type.toString(16)} ${hex(frame.scb.data)}`.trim(),
    });
  fields.push({ name: 'code', value: `0x${hex2(frame.code)} ${name}` });
  if (frame.mac) fields.push({ name: 'mac', value: hex(frame.mac) });

  if (!frame.reply && frame.sqn === 0 && frame.code !== osdp_CHLNG) st.session = undefined; // SQN 0 restarts the link and drops SC
  const payload = secured(st, frame, o);
  if (payload) {
    if (frame.reply) replyFields(st, frame, decodeReply(frame.code, payload), o);
    else commandFields(st, frame, decodeCommand(frame.code, payload), o);
  }
  const summary = `${dir} ${addr.split(' ')[0]} SQN${frame.sqn} ${frame.check === 'crc' ? 'CRC' : 'CKSUM'}${frame.scb ? ` SCS_${frame.scb.type.toString(16)}` : ''} ${name}`;
  const wire = frame.mark ? Uint8Array.of(0xff, ...frame.bytes) : frame.bytes;
  const shown = hideKeyset(frame, wire, st.opts.revealKeys === true);
  if (o.problems.length === 0) return { index, hex: shown, ok: true, summary, fields };
  const error = o.problems.join('; ');
  return { index, hex: shown, ok: false, summary: `${summary} — ${error}`, error, fields };
}

/** A plaintext osdp_KEYSET carries the key in clear: blank its DATA in the hex unless revealed. */
function hideKeyset(frame: Frame, wire: Bytes, reveal: boolean): string {
  const text = hex(wire);
  if (reveal || frame.reply || frame.code !== osdp_KEYSET || frame.scb || frame.data.length <= 2)
    return text;
  // DATA is key type, key length, key: keep the first two, blank the key.
  const dataEnd = wire.length - (frame.check === 'crc' ? 2 : 1);
  const keyStart = dataEnd - frame.data.length + 2;
  return text.slice(0, keyStart * 2) + 'xx'.repeat(dataEnd - keyStart) + text.slice(dataEnd * 2);
}

/** Verifies and decrypts an SCS_15..18 frame when the session is known; returns the plaintext DATA. */
function secured(st: Follow, frame: Frame, o: Out): Bytes | undefined {
  const fields = o.fields;
  const type = frame.scb?.type;
  if (type === undefined || type < SCS_15 || type > SCS_18) {
    // A plaintext NAK during a session means the PD dropped it (reference §3.2).
    if (frame.reply && frame.code === osdp_NAK && st.session) st.session = undefined;
    return frame.data;
  }
  const s = st.session;
  if (!s) {
    fields.push({
      name: 'secure',
      value:
        'no session known for this frame (capture starts mid-session, or --scbk missing/wrong): payload shown as sent',
    });
    if (frame.data.length) fields.push({ name: 'ciphertext', value: hex(frame.data) });
    return type === SCS_15 || type === SCS_16 ? frame.data : undefined;
  }
  const command = type === SCS_15 || type === SCS_17;
  const iv = command ? s.rMac : s.cMac;
  const mac = osdpMac(s.keys, iv, macInputOf(frame));
  const good = frame.mac !== undefined && macMatches(frame.mac, mac);
  check(o, 'mac check', good, '(wrong key, a lost frame in the capture, or corruption)');
  if (command) s.cMac = mac;
  else s.rMac = mac;
  if (type === SCS_15 || type === SCS_16) return frame.data;
  fields.push({ name: 'ciphertext', value: hex(frame.data) });
  const dec = decryptData(s.keys.sEnc, iv, frame.data);
  if (!dec.ok) {
    fields.push({ name: 'decrypt', value: 'bad padding: wrong key or corrupted payload' });
    o.problems.push('decryption failed: bad padding (wrong key or corrupted payload)');
    return undefined;
  }
  fields.push({
    name: 'plaintext',
    value:
      command && frame.code === osdp_KEYSET && !st.opts.revealKeys
        ? '(osdp_KEYSET payload hidden)'
        : hex(dec.data),
  });
  return dec.data;
}

function commandFields(
  st: Follow,
  frame: Frame,
  r: ReturnType<typeof decodeCommand>,
  o: Out,
): void {
  const fields = o.fields;
  if (!r.ok) {
    fields.push({ name: 'payload', value: `malformed: ${r.error.message}` });
    o.problems.push(`malformed payload: ${r.error.message}`);
    return;
  }
  const c: Command = r.value;
  switch (c.kind) {
    case 'ID':
    case 'CAP':
      fields.push({ name: 'report type', value: `0x${hex2(c.reportType)}` });
      break;
    case 'COMSET':
      fields.push(
        { name: 'new address', value: String(c.address) },
        { name: 'new baud', value: String(c.baud) },
      );
      break;
    case 'KEYSET':
      fields.push({
        name: 'key type',
        value: `0x${hex2(c.keyType)}${c.keyType === 1 ? ' SCBK' : ''}`,
      });
      fields.push({
        name: 'key',
        value: st.opts.revealKeys
          ? hex(c.key)
          : `(${c.key.length} bytes hidden; --reveal-keys shows them)`,
      });
      if (frame.scb?.type === SCS_17 && st.session) st.pendingKey = c.key.slice();
      break;
    case 'CHLNG': {
      const kk = frame.scb?.data[0] ?? 0;
      const key = kk === KEY_SCBK_D ? SCBK_D : st.scbk;
      st.handshake = {
        kk,
        rndA: c.rndA.slice(),
        key,
        keys: key ? deriveSessionKeys(key, c.rndA) : undefined,
      };
      st.session = undefined;
      fields.push({
        name: 'key indicator',
        value: kk === KEY_SCBK_D ? '0x00 SCBK-D (install mode)' : '0x01 SCBK',
      });
      fields.push({ name: 'RND.A', value: hex(c.rndA) });
      if (!key)
        fields.push({
          name: 'secure',
          value: 'SCBK not given (--scbk): the session cannot be followed',
        });
      break;
    }
    case 'SCRYPT': {
      fields.push({ name: 'server cryptogram', value: hex(c.serverCryptogram) });
      const h = st.handshake;
      if (h?.keys && h.rndB) {
        check(
          o,
          'server cryptogram check',
          equalCt(c.serverCryptogram, serverCryptogram(h.keys.sEnc, h.rndA, h.rndB)),
          '',
        );
      }
      break;
    }
    case 'unknown':
      if (c.data.length) fields.push({ name: 'data', value: hex(c.data) });
      break;
    default:
      break;
  }
}

// eslint-disable-next-line max-lines-per-function -- one case per reply code of the spec, in its order; a table read top to bottom
function replyFields(st: Follow, frame: Frame, r: ReturnType<typeof decodeReply>, o: Out): void {
  const fields = o.fields;
  if (!r.ok) {
    fields.push({ name: 'payload', value: `malformed: ${r.error.message}` });
    o.problems.push(`malformed payload: ${r.error.message}`);
    return;
  }
  const p: Reply = r.value;
  switch (p.kind) {
    case 'ACK':
      if (st.pendingKey) {
        // The PD stored the new key and dropped the session (reference §5.9).
        st.scbk = st.pendingKey;
        st.pendingKey = undefined;
        st.session = undefined;
        fields.push({
          name: 'keyset',
          value: 'acknowledged: later kk=0x01 sessions are followed with the new key',
        });
      }
      break;
    case 'NAK': {
      const info = NAK_CODES[p.errorCode];
      fields.push({
        name: 'error code',
        value: `0x${hex2(p.errorCode)} ${info ? info.name : 'unknown'}`,
      });
      if (p.detail.length) fields.push({ name: 'detail', value: hex(p.detail) });
      st.pendingKey = undefined;
      break;
    }
    case 'PDID':
      fields.push(
        { name: 'vendor', value: hex(p.vendor) },
        { name: 'model', value: String(p.model) },
        { name: 'version', value: String(p.version) },
        { name: 'serial', value: `${p.serial} (0x${p.serial.toString(16).padStart(8, '0')})` },
        { name: 'firmware', value: `${p.firmware.major}.${p.firmware.minor}.${p.firmware.build}` },
      );
      break;
    case 'PDCAP':
      for (const e of p.entries) {
        const fn = PDCAP_FUNCTIONS[e.functionCode] ?? 'unknown function';
        fields.push({
          name: `fc ${e.functionCode}`,
          value: `${fn}: compliance ${e.compliance}, number ${e.numberOf}`,
        });
      }
      break;
    case 'LSTATR':
      fields.push(
        { name: 'tamper', value: p.tamper ? 'tamper' : 'normal' },
        { name: 'power', value: p.power ? 'failure' : 'normal' },
      );
      break;
    case 'COM':
      fields.push(
        { name: 'address', value: String(p.address) },
        { name: 'baud', value: String(p.baud) },
      );
      break;
    case 'CCRYPT': {
      fields.push(
        { name: 'cUID', value: hex(p.cUID) },
        { name: 'RND.B', value: hex(p.rndB) },
        { name: 'client cryptogram', value: hex(p.clientCryptogram) },
      );
      const h = st.handshake;
      const echoed = frame.scb?.data[0];
      if (h && echoed !== undefined && echoed !== h.kk) {
        fields.push({
          name: 'key indicator',
          value: `echoed 0x${hex2(echoed)} but 0x${hex2(h.kk)} was asked`,
        });
        o.problems.push('CCRYPT echoed another key indicator than the CHLNG asked for');
      }
      if (h?.keys) {
        h.rndB = p.rndB.slice();
        check(
          o,
          'client cryptogram check',
          equalCt(p.clientCryptogram, clientCryptogram(h.keys.sEnc, h.rndA, p.rndB)),
          '(the PD holds another key than the one followed)',
        );
      }
      break;
    }
    case 'RMAC_I': {
      const status = frame.scb?.data[0];
      fields.push(
        {
          name: 'status',
          value: `0x${hex2(status ?? 0)} ${status === 1 ? 'accepted' : 'rejected'}`,
        },
        { name: 'RMAC-I', value: hex(p.rmacI) },
      );
      const h = st.handshake;
      if (h?.keys && h.rndB && status === 1) {
        const expected = initialRmac(h.keys, serverCryptogram(h.keys.sEnc, h.rndA, h.rndB));
        const ok = equalCt(p.rmacI, expected);
        if (ok) fields.push({ name: 'RMAC-I check', value: 'ok: session established' });
        else check(o, 'RMAC-I check', false, '');
        if (ok) st.session = { keys: h.keys, cMac: new Uint8Array(16), rMac: expected };
      }
      st.handshake = undefined;
      break;
    }
    case 'unknown':
      if (p.data.length) fields.push({ name: 'data', value: hex(p.data) });
      break;
    default:
      break;
  }
}
