// Shared set-up of the ACU-link ↔ PD-model tests: a driver on a virtual-time line.
import { fromHex, toHex } from '../../src/bytes.ts';
import { AcuDriver } from '../../src/acu-driver.ts';
import type { AcuConfig, AcuResult } from '../../src/acu-types.ts';
import { SimLine, workedSession, workedSessionPd } from './acu-sim.ts';

export const h = fromHex;
export const HEX = (b: Uint8Array): string => toHex(b).toUpperCase();
export const NEW_SCBK = h(workedSession.keys_session2.scbk);
export const RND_A1 = h(workedSession.keys_session1.rnd_a);
export const RND_A2 = h(workedSession.keys_session2.rnd_a);

export function setup(pd = workedSessionPd(), acu: Partial<AcuConfig> = {}) {
  const line = new SimLine(pd);
  const link = new AcuDriver(line, { address: pd.address, baud: pd.baud, ...acu });
  return { line, link };
}

export function ok(r: AcuResult): Extract<AcuResult, { ok: true }> {
  if (!r.ok) throw new Error(`expected ok, got ${JSON.stringify(r.error)}`);
  return r;
}

export function err(r: AcuResult) {
  if (r.ok) throw new Error(`expected an error, got ${r.reply.kind}`);
  return r.error;
}

export const txs = (line: SimLine) => line.log.filter((e) => e.dir === 'tx');
