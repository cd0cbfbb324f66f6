// `osprio status --device <ws-url> [--json]`: who the device is, what its firmware offers (and so which
// screen the workspace opens on), and every slot's summary — hello, status, listSlots, sent
// together in one round trip. Summaries carry no seed, and nothing here asks for one.

// Light entries (not the package roots), so a start loads neither link-server nor the engine.
import { LinkClient, LinkError } from '@osprio/link/client';
import type { DeviceIdentity, ProvisionerStatus, SlotSummary } from '@osprio/link/client';
import { connectWebSocketNode } from '@osprio/link/ws-client-node';
// The light entry: status must not load the session library (age, noble hashes) to start fast.
import { openingScreen, type OpeningScreen } from '@osprio/host/opening-screen';
import { CliError, EXIT } from '../exit-codes.ts';
import { resolveDevice } from '../device-target.ts';
import { slotStateText, stagingHint } from '../format/rows.ts';
import { table } from '../format/table.ts';

export interface StatusOptions {
  device?: string;
  json?: boolean;
  origin?: string;
  timeout?: string;
}

export interface StatusIo {
  out: (line: string) => void;
  err: (line: string) => void;
  /** For finding the one running device when --device is left out (the runtime file). */
  env?: Record<string, string | undefined>;
}

export interface StatusReport {
  identity: DeviceIdentity;
  status: ProvisionerStatus;
  openingScreen: OpeningScreen;
  slots: SlotSummary[];
}

export const STATUS_USAGE =
  'usage: osprio status [--device ws://127.0.0.1:<port>/device?token=<token>] [--json] [--timeout MS]';

const SCREEN_TEXT: Record<OpeningScreen, string> = {
  'mode-picker': 'mode picker (live quick-step or slots)',
  'quick-step': 'quick-step queue',
  'slot-list': 'slot list',
  unsupported: 'nothing (the device offers neither mode)',
};

/** Fetches the report; throws LinkError. */
export async function fetchStatus(
  url: string,
  opts: { origin?: string; timeoutMs?: number } = {},
): Promise<StatusReport> {
  const conn = await connectWebSocketNode(url, {
    ...(opts.origin ? { origin: opts.origin } : {}),
    openTimeoutMs: opts.timeoutMs ?? 5000,
  });
  const client = new LinkClient(conn, { timeoutMs: opts.timeoutMs ?? 5000 });
  try {
    // One round trip, not three: the device serves a link's requests in order, so status and
    // listSlots sent behind hello see its session. A device without slots refuses listSlots,
    // which is then not wanted.
    const hello = client.hello('osprio-cli status');
    const statusP = client.status();
    const slotsP = client.listSlots();
    // If hello fails, the two behind it fail too; hello's error is the one reported.
    for (const p of [statusP, slotsP]) p.catch(() => {});
    const identity = await hello;
    const status = await statusP;
    const slots = status.slots ? await slotsP : [];
    return { identity, status, openingScreen: openingScreen(status), slots };
  } finally {
    client.close();
  }
}

/** A refusal or failure as one line a person can act on. The URL's token is never repeated. */
export function explain(e: unknown, where: string): string {
  if (!(e instanceof LinkError))
    return `cannot talk to the device at ${where}: ${e instanceof Error ? e.message : String(e)}`;
  const m = e.message;
  if (e.code === 'device_in_use')
    return `the device at ${where} is in use: another host (a workspace tab or another CLI) holds it; close that session and try again`;
  if (/\b403\b/.test(m) && /token/.test(m))
    return `the device at ${where} refused the connection: missing or wrong token (use the whole address the emulator printed, including ?token=…)`;
  if (/\b403\b/.test(m) && /origin/.test(m))
    return `the device at ${where} refused the connection: origin not allowed`;
  if (/\b403\b/.test(m))
    return `the device at ${where} refused the connection: ${m.replace(/^.*403\s*/, '').slice(0, 80)}`;
  if (/\b404\b/.test(m))
    return `no device at ${where}: wrong path (the emulator prints the exact address)`;
  if (e.code === 'timeout') return `the device at ${where} did not answer in time`;
  if (e.code === 'version_unsupported')
    return `the device at ${where} does not speak this CLI's protocol version: ${m}`;
  if (e.code === 'link_closed')
    return `cannot reach a device at ${where} (connection refused or dropped) — is the emulator running?`;
  return `the device at ${where} answered ${e.code}: ${m}`;
}

function yes(b: boolean): string {
  return b ? 'yes' : 'no';
}

export function formatStatus(r: StatusReport): string[] {
  const { identity: id, status: st } = r;
  const lines = [
    `device    ${id.model}  serial ${id.serialNumber}  firmware ${id.firmwareVersion}  protocol ${id.protocolVersion}`,
    `modes     live quick-step: ${yes(st.liveQuickStep)}  slots: ${yes(st.slots)}  offline autonomous: ${yes(st.offlineAutonomous)}`,
    `capacity  ${st.slotCount} slot${st.slotCount === 1 ? '' : 's'}, at most ${st.maxStepsPerSlot} steps per slot`,
    `opens on  ${SCREEN_TEXT[r.openingScreen]}`,
  ];
  if (!st.slots) return lines;
  lines.push('slots');
  const rows = [
    [
      'slot',
      'state',
      'profile',
      'sessionId',
      'total',
      'prov',
      'failed',
      'skipped',
      'pending',
      'lastSeq',
    ],
  ];
  for (const s of r.slots) {
    const c = s.counters;
    rows.push([
      String(s.index),
      slotStateText(s),
      s.profileName ?? '-',
      s.sessionId ?? '-',
      String(c.total),
      String(c.provisioned),
      String(c.failed),
      String(c.skipped),
      String(c.pending),
      String(s.lastSeq),
    ]);
  }
  lines.push(...table(rows[0]!, rows.slice(1), { indent: '  ' }));
  for (const slot of r.slots) {
    const hint = stagingHint(slot);
    if (hint) lines.push(`note: ${hint}`);
  }
  return lines;
}

/** The device address without its secret, for messages. */
function redactUrl(u: URL): string {
  return `${u.protocol}//${u.host}${u.pathname}`;
}

export async function runStatus(o: StatusOptions, io: StatusIo): Promise<number> {
  const usage = (msg: string) => {
    io.err(`osprio status: ${msg}`);
    io.err(STATUS_USAGE);
    return 2;
  };
  let url: URL;
  try {
    url = new URL(resolveDevice(o.device, 'any', io.env ?? process.env).url);
  } catch (e) {
    if (!(e instanceof CliError)) throw e;
    if (e.code === EXIT.usage) return usage(e.message);
    io.err(`osprio status: ${e.message}`);
    return e.code;
  }
  let timeoutMs = 5000;
  if (o.timeout !== undefined) {
    if (!/^\d{1,6}$/.test(o.timeout) || Number(o.timeout) < 1)
      return usage('--timeout must be a number of milliseconds');
    timeoutMs = Number(o.timeout);
  }
  let report: StatusReport;
  try {
    report = await fetchStatus(url.href, { ...(o.origin ? { origin: o.origin } : {}), timeoutMs });
  } catch (e) {
    io.err(`osprio status: ${explain(e, redactUrl(url))}`);
    return e instanceof LinkError && e.code === 'device_in_use' ? EXIT.inUse : EXIT.unreachable;
  }
  if (o.json) io.out(JSON.stringify(report, null, 2));
  else for (const l of formatStatus(report)) io.out(l);
  return 0;
}
