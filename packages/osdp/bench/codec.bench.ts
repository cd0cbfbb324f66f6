// Frame codec throughput: the stream parser (resync, header check, CRC-16) over a byte stream of
// frames, and the secure-channel receive path (MAC check + AES-CBC decrypt) of SCS_18 replies.
// Run: node --import tsx packages/osdp/bench/codec.bench.ts [frames]
import {
  FrameStreamParser,
  buildFrame,
  cpUnwrapReply,
  deriveSessionKeys,
  parseFrame,
  pdWrapReply,
} from '@osprio/osdp';
import type { ScSession } from '@osprio/osdp';

const N = Number(process.argv[2] ?? 100_000);

function median(xs: number[]): number {
  return xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
}
function rate(n: number, ms: number): string {
  return `${Math.round(n / (ms / 1000)).toLocaleString('en')} frames/s`;
}

// ── parse + CRC: PDID-sized replies (20 bytes with MARK) in 64-byte chunks, as a UART delivers them
const pdid = buildFrame({
  mark: true,
  address: 0x01,
  reply: true,
  sqn: 1,
  check: 'crc',
  code: 0x45,
  data: Uint8Array.from({ length: 12 }, (_, i) => i + 1),
});
const stream = new Uint8Array(pdid.length * N);
for (let i = 0; i < N; i++) stream.set(pdid, i * pdid.length);
function parseStream(): number {
  const p = new FrameStreamParser({ accept: 'replies' });
  let frames = 0;
  const t0 = performance.now();
  for (let o = 0; o < stream.length; o += 64)
    for (const ev of p.push(stream.subarray(o, o + 64))) if (ev.type === 'frame') frames++;
  const ms = performance.now() - t0;
  if (frames !== N) throw new Error(`parsed ${frames}/${N}`);
  return ms;
}
parseStream();
const streamMs = median([parseStream(), parseStream(), parseStream()]);
const parseOne = () => {
  const t0 = performance.now();
  for (let i = 0; i < N; i++) if (!parseFrame(pdid.subarray(1)).ok) throw new Error('bad frame');
  return performance.now() - t0;
};
parseOne();
const frameMs = median([parseOne(), parseOne(), parseOne()]);
const mb = (stream.length / 1024 / 1024).toFixed(1);
console.log(
  `parse + CRC-16: ${N.toLocaleString('en')} PDID replies (${mb} MiB) through the stream parser in ${streamMs.toFixed(0)} ms — ${rate(N, streamMs)}, ${(stream.length / 1024 / 1024 / (streamMs / 1000)).toFixed(1)} MiB/s; parseFrame alone ${rate(N, frameMs)}`,
);

// ── MAC check + decrypt: SCS_18 replies carrying 16 bytes of data (32 encrypted), each answering a
// command whose C-MAC the reply chains on (one session, as a CP receives them)
const M = Math.max(1, Math.floor(N / 5));
const keys = deriveSessionKeys(
  Uint8Array.from({ length: 16 }, (_, i) => 0x30 + i),
  Uint8Array.from({ length: 8 }, (_, i) => 0xa0 + i),
);
const session0: ScSession = {
  keys,
  cMac: new Uint8Array(16).fill(0x11),
  rMac: new Uint8Array(16).fill(0x22),
};
const reply = pdWrapReply(session0, {
  address: 0x01,
  sqn: 2,
  check: 'crc',
  code: 0x48,
  data: Uint8Array.from({ length: 16 }, (_, i) => i),
});
const parsed = parseFrame(reply.bytes);
if (!parsed.ok) throw new Error('bad SC frame');
function unwrapAll(): number {
  const t0 = performance.now();
  for (let i = 0; i < M; i++) {
    const r = cpUnwrapReply(session0, parsed.ok ? parsed.frame : (undefined as never));
    if (!r.ok) throw new Error(r.error.kind);
  }
  return performance.now() - t0;
}
unwrapAll();
const scMs = median([unwrapAll(), unwrapAll(), unwrapAll()]);
console.log(
  `MAC check + decrypt: ${M.toLocaleString('en')} SCS_18 replies (${reply.bytes.length} bytes, 32 encrypted) in ${scMs.toFixed(0)} ms — ${rate(M, scMs)} (${((scMs * 1000) / M).toFixed(1)} µs each)`,
);
