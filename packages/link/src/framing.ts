// Length-prefixed framing for byte-stream transports (USB bulk, serial, TCP): the same JSON text
// as every other transport, each frame preceded by a magic byte and its UTF-8 length (u32 LE).
// A stream that loses framing cannot be trusted to find it again, so the decoder fails for good
// and the transport closes the link.

import { concat, readU32le, u32le } from '@osprio/osdp/bytes';
import { MAX_FRAME_BYTES } from './messages.ts';

export const FRAME_MAGIC = 0xa5;
export const FRAME_HEADER_BYTES = 5;

const encoder = new TextEncoder();

export function encodeFrame(text: string): Uint8Array {
  const body = encoder.encode(text);
  if (body.length > MAX_FRAME_BYTES) throw new RangeError(`frame over ${MAX_FRAME_BYTES} bytes`);
  return concat(Uint8Array.of(FRAME_MAGIC), u32le(body.length), body);
}

export type FrameResult = {
  frames: Uint8Array[];
  error?: { code: 'too_large' | 'bad_request'; message: string };
};

export class FrameDecoder {
  private buf: Uint8Array = new Uint8Array(0);
  private failed: FrameResult['error'] | undefined;

  constructor(private readonly maxBytes = MAX_FRAME_BYTES) {}

  /** Feeds received bytes; returns every frame completed by them, and an error once framing is lost. */
  push(chunk: Uint8Array): FrameResult {
    if (this.failed) return { frames: [], error: this.failed };
    this.buf = this.buf.length === 0 ? chunk.slice() : concat(this.buf, chunk);
    const frames: Uint8Array[] = [];
    let o = 0;
    while (this.buf.length - o >= FRAME_HEADER_BYTES) {
      if (this.buf[o] !== FRAME_MAGIC)
        return this.fail(frames, 'bad_request', 'framing lost (bad magic byte)');
      const n = readU32le(this.buf, o + 1);
      if (n > this.maxBytes)
        return this.fail(frames, 'too_large', `frame over ${this.maxBytes} bytes`);
      if (this.buf.length - o - FRAME_HEADER_BYTES < n) break;
      frames.push(this.buf.slice(o + FRAME_HEADER_BYTES, o + FRAME_HEADER_BYTES + n));
      o += FRAME_HEADER_BYTES + n;
    }
    this.buf = this.buf.slice(o);
    return { frames };
  }

  /** Bytes held waiting for the rest of a frame. */
  get pending(): number {
    return this.buf.length;
  }

  private fail(
    frames: Uint8Array[],
    code: 'too_large' | 'bad_request',
    message: string,
  ): FrameResult {
    this.failed = { code, message };
    this.buf = new Uint8Array(0);
    return { frames, error: this.failed };
  }
}
