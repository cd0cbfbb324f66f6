// Every wire packet in the shared vector files, with where it came from. Loaded from disk through
// test-support/shared.ts; nothing is copied here.
import { libosdpCaptures, osdpVectors } from '../../../../test-support/shared.ts';

export interface WirePacket {
  name: string;
  hex: string;
  /** false only for the fixture that must fail its check. */
  valid: boolean;
}

export function allWirePackets(): WirePacket[] {
  const out: WirePacket[] = [];
  for (const p of osdpVectors.packets)
    out.push({ name: `vectors.packets: ${p.name}`, hex: p.hex, valid: true });
  for (const p of osdpVectors.secure_channel.zero_key_command_packets.packets) {
    out.push({ name: `vectors.zero_key: ${p.name}`, hex: p.hex, valid: true });
  }
  for (const s of osdpVectors.secure_channel.worked_provisioning_session.steps) {
    out.push({ name: `worked session #${s.step} ${s.name}`, hex: s.packet_hex, valid: true });
  }
  for (const c of libosdpCaptures.from_libosdp_tests.framing_fixtures.cases) {
    out.push({ name: `libosdp fixture: ${c.note}`, hex: c.pkt, valid: c.integrity_ok });
  }
  libosdpCaptures.observed_libosdp_pd.exchanges.forEach((e, i) => {
    out.push({ name: `observed #${i} cmd: ${e.note}`, hex: e.cmd, valid: true });
    if (e.reply) out.push({ name: `observed #${i} reply: ${e.note}`, hex: e.reply, valid: true });
  });
  return out;
}
