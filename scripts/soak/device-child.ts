// The soak's device: the emulator (`osprio device --sim` minus the CLI) as its own process, so the
// soak can SIGKILL it, with the readers' flash in files beside it — readers are separate hardware and
// keep their address, baud and key across a device kill. Prints `url <ws-url>` once listening.
// Usage: node --import tsx scripts/soak/device-child.ts STATE_DIR READERS_DIR SEED FAULTS LINE_NOISE
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fromHex, toHex } from '@osprio/osdp';
import type { PdFlash } from '@osprio/bus';
import { startEmulator } from '@osprio/device/emulator';
import type { ReaderFlashStore } from '@osprio/device/emulator';

const [stateDir, readersDir, seed, faults, lineNoise] = process.argv.slice(2);
if (!stateDir || !readersDir || !seed || faults === undefined || !lineNoise) {
  console.error('usage: device-child.ts STATE_DIR READERS_DIR SEED FAULTS LINE_NOISE');
  process.exit(2);
}
mkdirSync(readersDir, { recursive: true });

/** One JSON file per reader; written to a temp name and renamed, so a kill never leaves half a file. */
export function fileReaderFlash(dir: string): ReaderFlashStore {
  const file = (key: string) => join(dir, `${Buffer.from(key).toString('hex')}.json`);
  return {
    load(key) {
      try {
        const j = JSON.parse(readFileSync(file(key), 'utf8')) as {
          address: number;
          baud: number;
          scbk: string | null;
          installMode: boolean;
        };
        return {
          address: j.address,
          baud: j.baud,
          scbk: j.scbk === null ? null : fromHex(j.scbk),
          installMode: j.installMode,
        } satisfies PdFlash;
      } catch {
        return undefined;
      }
    },
    save(key, f) {
      const tmp = `${file(key)}.tmp`;
      writeFileSync(
        tmp,
        JSON.stringify({
          key,
          address: f.address,
          baud: f.baud,
          scbk: f.scbk ? toHex(f.scbk) : null,
          installMode: f.installMode,
        }),
      );
      renameSync(tmp, file(key));
    },
  };
}

const emu = await startEmulator({
  model: 'pro',
  stateDir,
  speed: 'max',
  pds: 126,
  faults: faults || undefined,
  seed: Number(seed),
  technician: false,
  heartbeatMs: 0,
  readerFlash: fileReaderFlash(readersDir),
  lineByteErrorRate: Number(lineNoise),
  log: (l) => process.stderr.write(`${l}\n`),
});
process.stdout.write(`url ${emu.url}\n`);
process.once('SIGTERM', () => void emu.close().then(() => process.exit(0)));
