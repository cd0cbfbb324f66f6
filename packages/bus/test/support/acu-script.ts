// One provisioning script, run unchanged over any Bus: it records what the ACU sent and what each
// request returned, so runs over different transports can be compared.
import { AcuDriver, SCBK_D, toHex } from '@osprio/osdp';
import type { AcuResult } from '@osprio/osdp';
import type { Bus } from '../../src/bus.ts';

export const SCRIPT_SCBK = Uint8Array.from({ length: 16 }, (_, i) => 0x21 * i + 3);

export interface ScriptRun {
  results: string[];
  sent: string[];
}

function describeResult(label: string, r: AcuResult): string {
  if (!r.ok) return `${label}: ${r.error.kind}${'code' in r.error ? ` ${r.error.code}` : ''}`;
  const extra = r.reply.kind === 'COM' ? ` ${r.reply.address}@${r.reply.baud}` : '';
  return `${label}: ${r.reply.kind}${extra} from ${r.from}${r.secure ? ' secure' : ''} tries ${r.tries}`;
}

/** `replyTimeoutMs`: generous on loaded CI machines; a simulated PD answers in a few ms either way. */
export async function provisioningScript(
  bus: Bus,
  target: { address: number; baud: number },
  replyTimeoutMs = 200,
): Promise<ScriptRun> {
  const sent: string[] = [];
  let rnd = 0;
  const rndA = () => Uint8Array.from({ length: 8 }, () => rnd++ & 0xff);
  const acu = new AcuDriver(bus, { address: 0x7f, baud: bus.baud, replyTimeoutMs }, (e) => {
    if (e.dir === 'tx') sent.push(toHex(e.bytes));
  });
  const results: string[] = [];
  const step = async (label: string, p: Promise<AcuResult>) => {
    const r = await p;
    results.push(describeResult(label, r));
    return r;
  };
  await step('discover', acu.send({ kind: 'ID', reportType: 0 }));
  await step('cap', acu.send({ kind: 'CAP', reportType: 0 }));
  await step('comset', acu.send({ kind: 'COMSET', address: target.address, baud: target.baud }));
  await bus.setBaud(target.baud);
  acu.setBaud(target.baud);
  acu.restart();
  const a = { address: target.address };
  await step('confirm', acu.send({ kind: 'ID', reportType: 0 }, a));
  await step('install session', acu.handshake(0, SCBK_D, rndA(), a));
  await step(
    'keyset',
    acu.send({ kind: 'KEYSET', keyType: 1, key: SCRIPT_SCBK }, { secure: true, ...a }),
  );
  await step('verify session', acu.handshake(1, SCRIPT_SCBK, rndA(), a));
  await step('secure poll', acu.send({ kind: 'POLL' }, { secure: true, ...a }));
  await step('install mode off', acu.handshake(0, SCBK_D, rndA(), { ...a, policy: { tries: 1 } }));
  return { results, sent };
}
