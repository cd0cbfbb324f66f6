import { describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { libosdpCaptures } from '../../../test-support/shared.ts';
import { runDecode } from '../src/commands/decode.ts';

const bin = fileURLToPath(new URL('../bin/osprio.js', import.meta.url));
const ex = libosdpCaptures.observed_libosdp_pd.exchanges;

describe('osprio decode', () => {
  it('prints the decoded fields of libosdp frames (real process)', () => {
    const pdid = ex.find((x) => x.note.startsWith('ID ->'))!;
    const out = execFileSync(process.execPath, [bin, 'decode', pdid.cmd, pdid.reply!], {
      encoding: 'utf8',
    });
    expect(out).toContain('CP→PD 0x03 SQN2 CRC osdp_ID');
    expect(out).toMatch(/vendor\s+0c0b0a/);
    expect(out).toMatch(/serial\s+16909060 \(0x01020304\)/);
    expect(out).toMatch(/firmware\s+3\.2\.1/);
  });

  it('decodes osdp_COM and NAK codes by name, and emits JSON on request', () => {
    const comset = ex.find((x) => x.note.startsWith('unicast COMSET'))!;
    const nak = ex.find((x) => x.note.startsWith('SQN that is neither'))!;
    const r = runDecode([comset.cmd + comset.reply!, nak.reply!], { json: true });
    expect(r.code).toBe(0);
    const entries = JSON.parse(r.stdout) as {
      summary: string;
      fields: { name: string; value: string }[];
    }[];
    expect(entries.map((e) => e.summary)).toEqual([
      'CP→PD 0x05 SQN3 CRC osdp_COMSET',
      'PD→CP 0x05 SQN3 CRC osdp_COM',
      'PD→CP 0x03 SQN1 CRC osdp_NAK',
    ]);
    expect(entries[1]!.fields).toContainEqual({ name: 'baud', value: '115200' });
    expect(entries[2]!.fields).toContainEqual({ name: 'error code', value: '0x04 SEQ_NUM' });
  });

  it('prints a reason and exits non-zero on garbage, without a stack trace (real process)', () => {
    const r = spawnSync(process.execPath, [bin, 'decode', '00112233', 'ff53e5080004400000'], {
      encoding: 'utf8',
    });
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/dropped 4 byte\(s\): /);
    expect(r.stdout).toMatch(/CRC/i);
    expect(r.stderr).not.toMatch(/at .*\.ts:\d+/);
  });

  it('rejects non-hex and a bad --scbk with a usage error', () => {
    expect(runDecode(['zz'], {})).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/not hex/),
    });
    expect(runDecode(['53'], { scbk: '0011' })).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/16 bytes/),
    });
    const r = spawnSync(process.execPath, [bin, 'decode'], { encoding: 'utf8' });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/missing required argument/);
  });
});
