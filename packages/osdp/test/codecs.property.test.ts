// Property tests of the typed payload codecs (commands.ts, replies.ts), one per message kind:
// encode → decode gives back the input, and decoding any bytes under any code never throws (and
// whatever decodes re-encodes to the same bytes).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toHex } from '../src/bytes.ts';
import { COMMAND_NAMES, REPLY_NAMES } from '../src/codes.ts';
import { type Command, decodeCommand, encodeCommand } from '../src/commands.ts';
import { type Reply, decodeReply, encodeReply } from '../src/replies.ts';

const u8 = fc.integer({ min: 0, max: 0xff });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const bytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });
const knownCommand = new Set(Object.keys(COMMAND_NAMES).map(Number));
const knownReply = new Set(Object.keys(REPLY_NAMES).map(Number));

// One arbitrary per kind; the mapped types make tsc fail if a kind is added without one.
const COMMANDS: { [K in Command['kind']]: fc.Arbitrary<Extract<Command, { kind: K }>> } = {
  POLL: fc.constant({ kind: 'POLL' }),
  ID: fc.record({ kind: fc.constant('ID'), reportType: u8 }),
  CAP: fc.record({ kind: fc.constant('CAP'), reportType: u8 }),
  LSTAT: fc.constant({ kind: 'LSTAT' }),
  COMSET: fc.record({ kind: fc.constant('COMSET'), address: u8, baud: u32 }),
  // Any key length the length byte can state, not only the small sizes fast-check favours.
  KEYSET: fc.record({
    kind: fc.constant('KEYSET'),
    keyType: u8,
    key: fc.integer({ min: 0, max: 255 }).chain((n) => bytes(n)),
  }),
  CHLNG: fc.record({ kind: fc.constant('CHLNG'), rndA: bytes(8) }),
  SCRYPT: fc.record({ kind: fc.constant('SCRYPT'), serverCryptogram: bytes(16) }),
  // A known code decodes as its own kind, so 'unknown' is only round-trip for the others.
  unknown: fc.record({
    kind: fc.constant('unknown'),
    code: u8.filter((c) => !knownCommand.has(c)),
    data: fc.uint8Array({ maxLength: 64 }),
  }),
};

const REPLIES: { [K in Reply['kind']]: fc.Arbitrary<Extract<Reply, { kind: K }>> } = {
  ACK: fc.constant({ kind: 'ACK' }),
  NAK: fc.record({
    kind: fc.constant('NAK'),
    errorCode: u8,
    detail: fc.uint8Array({ maxLength: 16 }),
  }),
  PDID: fc.record({
    kind: fc.constant('PDID'),
    vendor: bytes(3),
    model: u8,
    version: u8,
    serial: u32,
    firmware: fc.record({ major: u8, minor: u8, build: u8 }),
  }),
  PDCAP: fc.record({
    kind: fc.constant('PDCAP'),
    entries: fc.array(fc.record({ functionCode: u8, compliance: u8, numberOf: u8 }), {
      maxLength: 40,
    }),
  }),
  LSTATR: fc.record({ kind: fc.constant('LSTATR'), tamper: u8, power: u8 }),
  COM: fc.record({ kind: fc.constant('COM'), address: u8, baud: u32 }),
  CCRYPT: fc.record({
    kind: fc.constant('CCRYPT'),
    cUID: bytes(8),
    rndB: bytes(8),
    clientCryptogram: bytes(16),
  }),
  RMAC_I: fc.record({ kind: fc.constant('RMAC_I'), rmacI: bytes(16) }),
  BUSY: fc.constant({ kind: 'BUSY' }),
  unknown: fc.record({
    kind: fc.constant('unknown'),
    code: u8.filter((c) => !knownReply.has(c)),
    data: fc.uint8Array({ maxLength: 64 }),
  }),
};

describe('command codecs: encode → decode round trip, per kind', () => {
  it.each(Object.keys(COMMANDS) as Command['kind'][])('%s', (kind) => {
    fc.assert(
      fc.property(COMMANDS[kind] as fc.Arbitrary<Command>, (cmd) => {
        const p = encodeCommand(cmd);
        expect(decodeCommand(p.code, p.data)).toEqual({ ok: true, value: cmd });
      }),
      { numRuns: 300 },
    );
  });
});

describe('reply codecs: encode → decode round trip, per kind', () => {
  it.each(Object.keys(REPLIES) as Reply['kind'][])('%s', (kind) => {
    fc.assert(
      fc.property(REPLIES[kind] as fc.Arbitrary<Reply>, (reply) => {
        const p = encodeReply(reply);
        expect(decodeReply(p.code, p.data)).toEqual({ ok: true, value: reply });
      }),
      { numRuns: 300 },
    );
  });
});

describe('decoding arbitrary bytes never throws, for every code', () => {
  // Every known code, plus any other, with data sizes around the fixed lengths.
  const code = fc.oneof(fc.constantFrom(...knownCommand, ...knownReply), u8);
  const data = fc.oneof(
    fc.uint8Array({ maxLength: 40 }),
    // Shaped like KEYSET (byte 1 = number of bytes after it), which random bytes rarely are.
    fc.uint8Array({ minLength: 2, maxLength: 60 }).map((d) => {
      d[1] = d.length - 2;
      return d;
    }),
  );

  it('decodeCommand: a value or bad_payload; a value re-encodes to the same payload', () => {
    fc.assert(
      fc.property(code, data, (c, d) => {
        const r = decodeCommand(c, d);
        if (!r.ok) {
          expect(r.error.kind).toBe('bad_payload');
          expect(r.error.message).not.toMatch(/\n/);
          return;
        }
        const p = encodeCommand(r.value);
        expect([p.code, toHex(p.data)]).toEqual([c, toHex(d)]);
      }),
      { numRuns: 5000 },
    );
  });

  it('decodeReply: a value or bad_payload; a value re-encodes to the same payload', () => {
    fc.assert(
      fc.property(code, data, (c, d) => {
        const r = decodeReply(c, d);
        if (!r.ok) {
          expect(r.error.kind).toBe('bad_payload');
          expect(r.error.message).not.toMatch(/\n/);
          return;
        }
        const p = encodeReply(r.value);
        expect([p.code, toHex(p.data)]).toEqual([c, toHex(d)]);
      }),
      { numRuns: 5000 },
    );
  });

  it('every code 0x00..0xFF, every length 0..40: no throw', () => {
    for (let c = 0; c <= 0xff; c++) {
      for (let n = 0; n <= 40; n++) {
        const d = Uint8Array.from({ length: n }, (_, i) => (i * 37 + c) & 0xff);
        expect(() => decodeCommand(c, d)).not.toThrow();
        expect(() => decodeReply(c, d)).not.toThrow();
      }
    }
  });
});
