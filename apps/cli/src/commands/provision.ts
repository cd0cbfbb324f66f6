// `osprio provision`: one live quick-step against whatever is on the bus — a USB-RS485 adapter, a
// serial server, or a simulated line. The seed is made here with a CSPRNG and lives in memory only;
// the derived SCBK leaves this process only through --export: after `ok`, or beside the requested
// file when the PD took the key but the step then failed (the key is never thrown away).
//
// The export file is opened (created, mode 0600, never overwriting) BEFORE the bus is touched:
// once a PD leaves install mode its key must not be lost because a path was wrong.
import { randomBytes, randomUUID } from 'node:crypto';
import { open, unlink, type FileHandle } from 'node:fs/promises';
import { extname, resolve } from 'node:path';
import { attachSimPd, openBus, parseBusUrl, SimLine, type Bus, type BusUrl } from '@osprio/bus';
import {
  buildKeyExport,
  deriveScbk,
  formatProblems,
  runStep,
  stageText,
  stepOptionsOf,
  toCsv,
  toJson,
  validateProfile,
  type AttemptResult,
  type ExpectedCapability,
  type Profile,
  type StageEvent,
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

/** openBus's rate for a tcp:// URL without ?baud=. */
const DEFAULT_BRIDGE_BAUD = 9600;

/** Runs one quick-step; returns the process exit code (0 only for `ok`). */
export async function runProvision(o: ProvisionOptions, io: ProvisionIo): Promise<number> {
  const p = await prepare(o, io);
  if (typeof p === 'number') return p;
  const random = io.random ?? ((n: number) => new Uint8Array(randomBytes(n)));
  const key = { seed: random(16), sessionId: randomUUID() };
  try {
    const result = await run(o, io, p, key, random);
    if (typeof result === 'number') return result;
    const saved = await save(p, result, key);
    report(o, io, p, result, saved, key.sessionId);
    return result.outcome === 'ok' ? 0 : 1;
  } finally {
    key.seed.fill(0);
  }
}

interface Prepared {
  profile: Profile;
  address: number;
  /** Created (mode 0600, never overwriting) before the bus is touched; absent with --discard-key. */
  export?: { path: string; file: FileHandle };
}

interface StepKey {
  seed: Uint8Array;
  sessionId: string;
}

/** Validates the flags and creates the export file; an exit code (2) when that fails. */
async function prepare(o: ProvisionOptions, io: ProvisionIo): Promise<Prepared | number> {
  let profile: Profile;
  let exportPath: string | undefined;
  try {
    profile = quickStepProfile(o);
    checkBus(o.bus, profile.baud);
    exportPath = o.export === undefined ? undefined : checkExportPath(o.export);
    if (!exportPath && !o.discardKey) {
      throw new UsageError(
        'give --export FILE.csv|FILE.json to keep the derived key (the PD leaves install mode and only this key opens it), or --discard-key for a trial run',
      );
    }
  } catch (e) {
    io.err(`osprio provision: ${(e as Error).message}`);
    return 2;
  }
  const address = profile.manualAddresses[0]!;
  if (!exportPath) return { profile, address };
  try {
    return {
      profile,
      address,
      export: { path: exportPath, file: await open(exportPath, 'wx', 0o600) },
    };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    io.err(
      `osprio provision: cannot create ${exportPath}: ${code === 'EEXIST' ? 'it already exists (choose a new file; exports are never overwritten)' : (e as Error).message}`,
    );
    return 2;
  }
}

/** Opens the bus and runs the step, printing each stage; an exit code (3) when the bus fails. */
async function run(
  o: ProvisionOptions,
  io: ProvisionIo,
  p: Prepared,
  key: StepKey,
  random: (n: number) => Uint8Array,
): Promise<AttemptResult | number> {
  const { profile, address } = p;
  let bus: Bus | undefined;
  try {
    bus = await (io.openBus ?? openDefaultBus)(o.bus, profile.baud);
    if (!o.json)
      io.out(`provisioning PD → address ${address}, ${profile.baud} baud on ${bus.name}`);
    const started = bus.now();
    const onStage = (e: StageEvent) => {
      if (!o.json)
        io.out(
          `  ${stageMark(e)} ${stageText(e.stage).padEnd(16)} ${e.status.replace('_', ' ')}  (+${Math.round(bus!.now() - started)} ms)`,
        );
    };
    return await runStep({
      bus,
      target: { address, baud: profile.baud, stepIndex: 0 },
      options: stepOptionsOf(profile),
      key,
      random,
      onStage,
    });
  } catch (e) {
    await discard(p.export);
    io.err(`osprio provision: ${(e as Error).message}`);
    return 3;
  } finally {
    await bus?.close().catch(() => undefined);
  }
}

interface Saved {
  /** The PD took this step's key (ok, or KEYSET acknowledged). */
  keyed: boolean;
  /** Where the key export went, if anywhere. */
  exported?: string;
  /** False when the key was acknowledged but never proven by a handshake with it. */
  verified: boolean;
}

/**
 * Once the PD acknowledged KEYSET it may hold this step's key and is out of install mode. This
 * process is the only place that key exists, so it is never thrown away: a step that did not end
 * `ok` after that point leaves an export beside the requested file — marked UNVERIFIED, or, when
 * key_verify proved the key (a fresh secure channel opened with it) and only a later check
 * (auto-verify, capabilities) failed, named for that check.
 */
async function save(p: Prepared, result: AttemptResult, key: StepKey): Promise<Saved> {
  const keyed = result.outcome === 'ok' || result.completed.includes('keyset');
  const verified = result.completed.includes('key_verify');
  if (!keyed || !p.export) {
    await discard(p.export);
    return { keyed, verified };
  }
  const ex = buildKeyExport(
    {
      sessionId: key.sessionId,
      seed: key.seed,
      slotState: 'complete',
      steps: [{ index: 0, address: p.address, baud: p.profile.baud, state: 'success' }],
    },
    deriveScbk,
  );
  const { path, file } = p.export;
  const text = extname(path).toLowerCase() === '.json' ? toJson(ex) : toCsv(ex);
  if (result.outcome === 'ok') {
    await file.writeFile(text);
    await file.close();
    return { keyed, verified: true, exported: path };
  }
  await discard(p.export);
  const mark = verified ? result.outcome.toUpperCase().replace(/_/g, '-') : 'UNVERIFIED';
  return { keyed, verified, exported: await writeNew(markedPath(path, mark), text) };
}

/** The result line(s): one JSON line with --json, else the outcome and where the key is. */
function report(
  o: ProvisionOptions,
  io: ProvisionIo,
  p: Prepared,
  result: AttemptResult,
  saved: Saved,
  sessionId: string,
): void {
  const { exported, verified, keyed } = saved;
  if (o.json) {
    io.out(
      JSON.stringify({
        outcome: result.outcome,
        detail: result.detail,
        stage: result.stage,
        stageStatus: result.stageStatus,
        completed: result.completed,
        address: p.address,
        baud: p.profile.baud,
        sessionId,
        export: exported ?? null,
        exportVerified: exported ? verified : null,
      }),
    );
    return;
  }
  const ok = result.outcome === 'ok';
  io.out(`${ok ? 'ok' : `FAILED: ${result.outcome}`} — ${result.detail}`);
  if (exported && ok) {
    io.out(`key export written to ${exported} (sensitive: treat it as key material)`);
  } else if (exported && verified) {
    io.out(
      `the new key landed and was verified; ${laterCheck(result.outcome)}. The key is saved in ${exported} (sensitive: the PD now opens only with this key).`,
    );
  } else if (exported) {
    io.out(
      `the PD acknowledged the new key but it was not proven; the key is saved in ${exported} (UNVERIFIED, sensitive).`,
    );
    io.out(
      '  The PD has probably left install mode with this key: check it with that key, or put it back in install mode before provisioning it again.',
    );
  } else if (keyed && !ok) {
    io.out(
      'the PD acknowledged a key that was not kept (--discard-key): put it back in install mode before provisioning it again.',
    );
  }
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

/** Closes and removes the export file made by prepare (nothing is in it yet). */
async function discard(exp: Prepared['export']): Promise<void> {
  if (!exp) return;
  await exp.file.close().catch(() => undefined);
  await unlink(exp.path).catch(() => undefined);
}

/** keys.csv → keys.UNVERIFIED.csv, keys.CAPABILITY-MISMATCH.csv … */
function markedPath(p: string, mark: string): string {
  const ext = extname(p);
  return `${p.slice(0, p.length - ext.length)}.${mark}${ext}`;
}

/** What failed after the key was proven. */
function laterCheck(outcome: AttemptResult['outcome']): string {
  if (outcome === 'capability_mismatch') return 'only the capability check failed';
  if (outcome === 'verify_failed') return 'only the auto-verify re-read failed';
  return `the step then ended ${outcome}`;
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

/**
 * A raw TCP bridge carries bytes at its own fixed port rate: COMSET to another baud would move the PD
 * somewhere nothing on this bus can reach, leaving it unkeyed. So --baud must be that rate.
 */
function checkBus(url: string, baud: number): void {
  // A device's address (with its secret token, never echoed) is for the commands that talk to a device.
  if (/^\s*wss?:/i.test(url)) {
    throw new UsageError(
      '--bus takes a bus (serial:, tcp://, rfc2217:// or sim:): provision drives a bus directly; ' +
        "to run a quick-step through a provisioner device, use osprio live --device 'ws://…?token=…'",
    );
  }
  let u: BusUrl;
  try {
    u = parseBusUrl(url);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (u.kind !== 'tcp') return;
  const fixed = u.baud ?? DEFAULT_BRIDGE_BAUD;
  if (fixed === baud) return;
  throw new UsageError(
    `tcp://${u.host}:${u.port} is a raw serial bridge: its port rate is fixed at ${fixed} baud (say ?baud=N if the server runs at another rate), ` +
      `so a PD moved to ${baud} baud could not be reached again; use rfc2217://${u.host}:${u.port} (the baud follows COMSET) or --baud ${fixed}`,
  );
}

function checkExportPath(p: string): string {
  const ext = extname(p).toLowerCase();
  if (ext !== '.csv' && ext !== '.json')
    throw new UsageError(`--export must name a .csv or .json file (got "${p}")`);
  return resolve(p);
}

/** A live quick-step is validated as a one-PD manual profile, so its errors read like the form's. */
function quickStepProfile(o: ProvisionOptions): Profile {
  const int = (s: string | undefined): number | string | undefined =>
    s === undefined ? undefined : /^\d+$/.test(s.trim()) ? Number(s) : s;
  const caps: ExpectedCapability[] = [];
  for (const c of o.expectCap ?? []) {
    const m = /^(\d+):(\d+):(\d+)$/.exec(c.trim());
    if (!m)
      throw new UsageError(
        `--expect-cap "${c}": expected FC:LEVEL:COUNT, e.g. 4:1:1 (function code, minimum compliance, minimum count)`,
      );
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
      .replace(
        /expectedCapabilities\[(\d+)\]/g,
        (_m, i: string) => `--expect-cap #${Number(i) + 1}`,
      );
    throw new UsageError(`invalid quick-step:\n${text}`);
  }
  return v.profile;
}
