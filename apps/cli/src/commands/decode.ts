// `osprio decode <hex>... [--scbk HEX] [--json]`: frames pasted from a bus capture, field by field.
// Exits 0 when every frame decoded, 1 when any bytes were dropped, 2 on unusable arguments.
import { decodeCapture, fromHex, HexError, type CaptureEntry } from '@osprio/osdp';

export interface DecodeOptions {
  scbk?: string;
  json?: boolean;
  revealKeys?: boolean;
}

export interface DecodeOutcome {
  code: number;
  stdout: string;
  stderr: string;
}

/** Pure: argument strings in, printed text and exit code out (the CLI shell only prints). */
export function runDecode(args: readonly string[], opts: DecodeOptions): DecodeOutcome {
  let scbk: Uint8Array | undefined;
  if (opts.scbk !== undefined) {
    try {
      scbk = fromHex(opts.scbk);
    } catch (e) {
      return { code: 2, stdout: '', stderr: `osprio decode: --scbk: ${(e as Error).message}\n` };
    }
    if (scbk.length !== 16)
      return {
        code: 2,
        stdout: '',
        stderr: `osprio decode: --scbk must be 16 bytes (32 hex digits), got ${scbk.length} bytes\n`,
      };
  }
  if (args.length === 0)
    return { code: 2, stdout: '', stderr: 'osprio decode: give at least one frame as hex\n' };
  const inputs: Uint8Array[] = [];
  for (const [i, a] of args.entries()) {
    try {
      inputs.push(fromHex(a));
    } catch (e) {
      const why = e instanceof HexError ? e.message : 'not hex';
      return {
        code: 2,
        stdout: '',
        stderr: `osprio decode: argument ${i + 1} is not hex: ${why}\n`,
      };
    }
  }
  const entries = decodeCapture(inputs, { scbk, revealKeys: opts.revealKeys });
  const bad = entries.some((e) => !e.ok);
  const stdout = opts.json
    ? `${JSON.stringify(entries, null, 2)}\n`
    : entries.map(formatEntry).join('\n');
  return {
    code: bad || entries.length === 0 ? 1 : 0,
    stdout,
    stderr: entries.length === 0 ? 'osprio decode: no bytes given\n' : '',
  };
}

function formatEntry(e: CaptureEntry): string {
  const head = `#${e.index} ${e.summary}\n`;
  if (!e.ok) return `${head}    bytes: ${e.hex}\n`;
  const width = Math.max(...e.fields.map((f) => f.name.length));
  return (
    head +
    e.fields.map((f) => `    ${f.name.padEnd(width)}  ${f.value}\n`).join('') +
    `    ${'bytes'.padEnd(width)}  ${e.hex}\n`
  );
}
