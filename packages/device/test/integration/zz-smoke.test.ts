import { it, expect } from 'vitest';
import { startTestEmulator, connectHost, plan, EdgeLog } from '/work/main/packages/device/test/integration/support.ts';
it('smoke', async () => {
  const emu = await startTestEmulator({ faults: '2:absent,3:keyed-other,4:slow' });
  const c = await connectHost(emu.url);
  const log = new EdgeLog(c);
  const t0 = Date.now();
  await plan(c, 0, 6);
  await c.subscribe({ slot: 0, sinceSeq: 0 });
  for (let i = 0; i < 6; i++) await c.verb({ slot: 0, stepIndex: i, verb: 'try' });
  await log.until(() => { const s = new Map(log.of(0).map(e => [e.stepIndex, e.state])); return [...Array(6).keys()].every(i => s.get(i) === 'success' || s.get(i) === 'failure'); });
  const s = await c.getSlot(0);
  console.log(Date.now() - t0, 'ms', s.steps.map(x => `${x.index}:${x.state}:${x.outcome}:${x.detail}`).join('\n'));
  console.log(log.of(0).length, 'edges');
  c.close(); await emu.close();
}, 60000);
