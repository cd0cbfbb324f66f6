// `osprio provision`: one live quick-step against whatever is on the bus — a USB-RS485 adapter, a
// serial server, or a simulated line. The seed is made here with a CSPRNG and lives in memory only;
// the derived SCBK leaves this process only through --export, and only after the step ended `ok`.
//
// The export file is opened (created, mode 0600, never overwriting) BEFORE the bus is touched:
// once a PD leaves install mode its key must not be lost because a path was wrong.
import { randomBytes, randomUUID } from 'node:crypto';
import { open, unlink, type FileHandle } from 'node:fs/promises';
import { extname, resolve } from 'node:path';
import { attachSimPd, openBus, parseBusUrl, SimLine, type Bus } from '@osprio/bus';
import {
  buildKeyExport, deriveScbk, formatProblems, runStep, stageText, stepOptionsOf, toCsv, toJson, validateProfile,
  type AttemptResult, type ExpectedCapability, type Profile, type StageEvent,
} from '@osprio/provisioner';

export interface ProvisionOptions {
  bus: string;
  address: string;
  baud: string;
  timeout?: string;
  autoVerify?: boolean;
  expectCap?: string[];
  export?: string;
  discardKey?: boolean;
  json?: boolean;
}

export interface ProvisionIo {
  out: (line: string) => void;
  err: (line: string) => void;
  /** Opens the bus; tests pass a simulated one. */
  openBus?: (url: string, baud: number) => Promise<Bus>;
  random?: (n: number) => Uint8Array;
}

class UsageError extends Error {}

/** Runs one quick-step; returns the process exit code (0 only for `ok`). */
// eslint-disable-next-line max-lines-per-function -- split into prepare / run / save / report is issue 14 work of h-defects; drop this line when it lands
export async function runProvision(o: ProvisionOptions, io: ProvisionIo): Promise<number> {
  let profile: Profile;
  let exportPath: string | undefined;
  try {
    profile = quickStepProfile(o);
    exportPath = o.export === undefined ? undefined : checkExportPath(o.export);
    if (!exportPath && !o.discardKey) {
      throw new UsageError('give --export FILE.csv|FILE.json to keep the derived key (the PD leaves install mode and only this key opens it), or --discard-key for a trial run');
    }
  } catch (e) {
    io.err(`osprio provision: ${(e as Error).message}`);
    return 2;
  }

  let file: FileHandle | undefined;
  if (exportPath) {
    try {
      file = await open(exportPath, 'wx', 0o600);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      io.err(`osprio provision: cannot create ${exportPath}: ${code === 'EEXIST' ? 'it already exists (choose a new file; exports are never overwritten)' : (e as Error).message}`);
      return 2;
    }
  }

  const address = profile.manualAddresses[0]!;
  const random = io.random ?? ((n: number) => new Uint8Array(randomBytes(n)));
  const seed = random(16);
  const sessionId = randomUUID();
  let bus: Bus | undefined;
  let result: AttemptResult;
  try {
    bus = await (io.openBus ?? openDefaultBus)(o.bus, profile.baud);
    if (!o.json) io.out(`provisioning PD → address ${address}, ${profile.baud} baud on ${bus.name}`);
    const started = bus.now();
    const onStage = (e: StageEvent) => {
      if (!o.json) io.out(`  ${stageMark(e)} ${stageText(e.stage).padEnd(16)} ${e.status.replace('_', ' ')}  (+${Math.round(bus!.now() - started)} ms)`);
    };
    result = await runStep({
      bus, target: { address, baud: profile.baud, stepIndex: 0 }, options: stepOptionsOf(profile),
      key: { seed, sessionId }, random, onStage,
    });
    if (!bus.canSetBaud && !o.json) io.out(`  note: ${bus.name} cannot change the remote port's baud; set the serial server to ${profile.baud} for production`);
  } catch (e) {
    await discard(file, exportPath);
    seed.fill(0);
    io.err(`osprio provision: ${(e as Error).message}`);
    return 3;
  } finally {
    await bus?.close().catch(() => undefined);
  }

  // Once the PD acknowledged KEYSET it may hold this step's key and is out of install mode. This
  // process is the only place that key exists, so it is never thrown away: a step that did not end
  // `ok` after that point leaves an export marked unverified beside the requested file.
  const keyed = result.outcome === 'ok' || result.completed.includes('keyset');
  let exported: string | undefined;
  let unverified = false;
  if (keyed && file && exportPath) {
    const ex = buildKeyExport(
      { sessionId, seed, slotState: 'complete', steps: [{ index: 0, address, baud: profile.baud, state: 'success' }] },
      deriveScbk,
    );
    const text = extname(exportPath).toLowerCase() === '.json' ? toJson(ex) : toCsv(ex);
    if (result.outcome === 'ok') {
      await file.writeFile(text);
      await file.close();
      exported = exportPath;
    } else {
      await discard(file, exportPath);
      exported = await writeNew(unverifiedPath(exportPath), text);
      unverified = true;
    }
  } else {
    await discard(file, exportPath);
  }
  seed.fill(0);

  if (o.json) {
    io.out(JSON.stringify({ outcome: result.outcome, detail: result.detail, stage: result.stage, stageStatus: result.stageStatus, completed: result.completed, address, baud: profile.baud, sessionId, export: exported ?? null, exportVerified: exported ? !unverified : null }));
  } else {
    io.out(`${result.outcome === 'ok' ? 'ok' : `FAILED: ${result.outcome}`} — ${result.detail}`);
    if (exported && !unverified) io.out(`key export written to ${exported} (sensitive: treat it as key material)`);
    if (exported && unverified) {
      io.out(`the PD acknowledged the new key but it was not proven; the key is saved in ${exported} (UNVERIFIED, sensitive).`);
      io.out('  The PD has probably left install mode with this key: check it with that key, or put it back in install mode before provisioning it again.');
    } else if (keyed && !exported && result.outcome !== 'ok') {
      io.out('the PD acknowledged a key that was not kept (--discard-key): put it back in install mode before provisioning it again.');
    }
  }
  return result.outcome === 'ok' ? 0 : 1;
}

/** `sim:` means a simulated line with one factory-fresh PD on it (address 0, 9600, install mode). */
async function openDefaultBus(url: string, baud: number): Promise<Bus> {
  const u = parseBusUrl(url);
  if (u.kind !== 'sim') return openBus(u, { baud });
  const line = new SimLine(u.seed === undefined ? {} : { seed: u.seed });
  attachSimPd(line);
  return openBus(u, { baud, line });
}

function stageMark(e: StageEvent): string {
  return e.status === 'done' ? '✓' : e.status === 'stalled' ? '✗' : '…';
}

async function discard(file: FileHandle | undefined, path: string | undefined): Promise<void> {
  if (!file || !path) return;
  await file.close().catch(() => undefined);
  await unlink(path).catch(() => undefined);
}

/** keys.csv → keys.UNVERIFIED.csv */
function unverifiedPath(p: string): string {
  const ext = extname(p);
  return `${p.slice(0, p.length - ext.length)}.UNVERIFIED${ext}`;
}

/** Creates a new file (mode 0600, never overwriting: a numbered name if taken) and returns its path. */
async function writeNew(path: string, text: string): Promise<string> {
  const ext = extname(path);
  for (let n = 0; ; n++) {
    const candidate = n === 0 ? path : `${path.slice(0, path.length - ext.length)}-${n}${ext}`;
    try {
      const f = await open(candidate, 'wx', 0o600);
      await f.writeFile(text);
      await f.close();
      return candidate;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || n > 100) throw e;
    }
  }
}

function checkExportPath(p: string): string {
  const ext = extname(p).toLowerCase();
  if (ext !== '.csv' && ext !== '.json') throw new UsageError(`--export must name a .csv or .json file (got "${p}")`);
  return resolve(p);
}

/** A live quick-step is validated as a one-PD manual profile, so its errors read like the form's. */
function quickStepProfile(o: ProvisionOptions): Profile {
  const int = (s: string | undefined): number | string | undefined =>
    s === undefined ? undefined : /^\d+$/.test(s.trim()) ? Number(s) : s;
  const caps: ExpectedCapability[] = [];
  for (const c of o.expectCap ?? []) {
    const m = /^(\d+):(\d+):(\d+)$/.exec(c.trim());
    if (!m) throw new UsageError(`--expect-cap "${c}": expected FC:LEVEL:COUNT, e.g. 4:1:1 (function code, minimum compliance, minimum count)`);
    caps.push({ functionCode: Number(m[1]), minCompliance: Number(m[2]), minCount: Number(m[3]) });
  }
  const input = {
    name: 'quick-step',
    deviceCount: 1,
    addressStrategy: 'manual',
    manualAddresses: [int(o.address)],
    baud: int(o.baud),
    expectedCapabilities: caps,
    timeoutMs: int(o.timeout) ?? 0,
    autoVerify: o.autoVerify ?? false,
  };
  const v = validateProfile(input);
  if (!v.ok) {
    const text = formatProblems(v.problems)
      .replace(/manualAddresses\[0\]/g, '--address')
      .replace(/\bbaud\b:/g, '--baud:')
      .replace(/timeoutMs/g, '--timeout')
      .replace(/expectedCapabilities\[(\d+)\]/g, (_m, i: string) => `--expect-cap #${Number(i) + 1}`);
    throw new UsageError(`invalid quick-step:\n${text}`);
  }
  return v.profile;
}
