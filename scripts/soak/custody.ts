// Soak, custody: after a run, every log, every file the host wrote and the export are searched for
// the slot's seed and for any derived SCBK outside the export (hex in either case, and base64).
// Not searched, by design: the device's own flash (its state dir holds the seed, as a real device's
// flash does) and the simulated readers' flash (hardware that holds its key).
import { readFileSync } from 'node:fs';

export interface CustodyReport {
  files: number;
  findings: string[];
}

function forms(hex: string): string[] {
  const b = Buffer.from(hex, 'hex');
  return [hex.toLowerCase(), hex.toUpperCase(), b.toString('base64'), b.toString('base64url')];
}

export function scanCustody(opts: {
  files: string[];
  exportFile: string | null;
  seedHex: string;
  scbkHex: string[];
}): CustodyReport {
  const findings: string[] = [];
  for (const f of opts.files) {
    const text = readFileSync(f, 'latin1');
    for (const s of forms(opts.seedHex))
      if (text.includes(s)) findings.push(`${f}: holds the seed`);
    if (f === opts.exportFile) continue;
    opts.scbkHex.forEach((k, i) => {
      for (const s of forms(k))
        if (text.includes(s)) findings.push(`${f}: holds the SCBK of step ${i}`);
    });
  }
  return { files: opts.files.length, findings: [...new Set(findings)] };
}
