// The code tables in codes.ts checked against the shared protocol reference itself
// (../shared/osdp/reference.md §3.1, §3.2, §3.4): every command and reply name with its code, every
// NAK code's meaning, every PDCAP function name. A typo in a table is a wrong word on a
// technician's screen (osprio decode, step notes).
import { describe, expect, it } from 'vitest';
import { COMMAND_NAMES, NAK_CODES, PDCAP_FUNCTIONS, REPLY_NAMES, nakInfo } from '../src/codes.ts';
import { osdpReference as reference } from '../../../test-support/shared.ts';

/** The table rows under a heading, as cells with markdown emphasis removed. */
function rows(heading: string): string[][] {
  const at = reference.indexOf(heading);
  if (at < 0) throw new Error(`reference.md has no "${heading}"`);
  const lines = reference.slice(at).split('\n').slice(1);
  const out: string[][] = [];
  let inTable = false;
  for (const l of lines) {
    if (l.startsWith('|')) {
      inTable = true;
      const cells = l
        .split('|')
        .slice(1, -1)
        .map((c) => c.replace(/\*\*/g, '').trim());
      if (!/^-+$/.test(cells[0]!)) out.push(cells);
    } else if (inTable && l.startsWith('#')) break;
  }
  return out;
}

describe('codes.ts against reference.md', () => {
  it('§3.1: every command and reply name with its code', () => {
    const table = rows('### 3.1 Code table');
    const commands = table.slice(
      1,
      table.findIndex((r) => r[0] === 'Reply'),
    );
    const replies = table.slice(table.findIndex((r) => r[0] === 'Reply') + 1);
    expect(commands.length).toBe(8);
    expect(replies.length).toBe(9);
    for (const [name, code] of commands) expect(COMMAND_NAMES[Number(code)]).toBe(name);
    for (const [name, code] of replies) expect(REPLY_NAMES[Number(code)]).toBe(name);
  });

  it('§3.2: every NAK code’s meaning opens with the reference’s words', () => {
    const table = rows('### 3.2 NAK error codes').slice(1);
    expect(table.length).toBe(12);
    for (const [code, meaning] of table) {
      if (code === '0x10–0x12') {
        const names = meaning!.replace(/^\(.*?\)\s*/, '').split(', ');
        names.forEach((n, i) => expect(NAK_CODES[0x10 + i]!.meaning.startsWith(n)).toBe(true));
        continue;
      }
      const words = meaning!.split(' ').slice(0, 3).join(' ');
      expect(NAK_CODES[Number(code)]!.meaning.startsWith(words), `${code}: ${meaning}`).toBe(true);
    }
  });

  it('§3.2: every NAK has a short name, and a code outside the table says so', () => {
    expect(Object.values(NAK_CODES).map((i) => i.name)).toEqual([
      'NONE',
      'CHECK',
      'CMD_LEN',
      'CMD_UNKNOWN',
      'SEQ_NUM',
      'SC_UNSUP',
      'SC_COND',
      'BIO_TYPE',
      'BIO_FMT',
      'RECORD',
      'CARD_NOT_FOUND',
      'TRANSMIT_FAILED',
      'INTERNAL',
      'PRIVATE',
    ]);
    expect(nakInfo(0x42)).toEqual({ name: '0x42', meaning: 'unknown NAK code' });
  });

  it('§3.4: every PDCAP function name', () => {
    const table = rows('### 3.4 osdp_PDCAP (0x46)').slice(1);
    expect(table.length).toBe(16);
    // The reference's asides in brackets are not part of the name ('Largest combined (multi-part) message').
    for (const [fc, name] of table)
      expect(
        PDCAP_FUNCTIONS[Number(fc)]!.startsWith(name!.replace(/ \(.*?\)/, '')),
        `FC ${fc}`,
      ).toBe(true);
  });
});
