// A LinkConnection over any byte stream (USB bulk endpoint, serial port, TCP), using the
// length-prefixed framing of framing.ts. The stream adapter supplies write/close and feeds bytes in.

import { BaseConnection, CLOSE_CODES } from '../connection.ts';
import { encodeError } from '../codec.ts';
import { FrameDecoder, encodeFrame } from '../framing.ts';

export interface ByteStream {
  write(bytes: Uint8Array): void;
  close(): void;
}

export class FramedConnection extends BaseConnection {
  private readonly decoder = new FrameDecoder();

  constructor(private readonly stream: ByteStream) {
    super();
  }

  /** Call with every chunk the stream delivers. Lost framing closes the link (after an error frame). */
  receive(chunk: Uint8Array): void {
    if (this.closed) return;
    const r = this.decoder.push(chunk);
    for (const f of r.frames) this.deliver(f);
    if (r.error) {
      this.send(encodeError(null, r.error.code, r.error.message));
      this.close(
        r.error.code === 'too_large' ? CLOSE_CODES.tooLarge : CLOSE_CODES.protocolError,
        r.error.message,
      );
    }
  }

  /** Call when the stream ends on its own (unplugged, port closed). */
  ended(): void {
    this.closed_({ code: CLOSE_CODES.dropped, reason: 'stream ended' });
  }

  send(text: string): void {
    if (!this.closed) this.stream.write(encodeFrame(text));
  }

  close(code: number = CLOSE_CODES.normal, reason = ''): void {
    if (this.closed) return;
    this.closed_({ code, reason });
    this.stream.close();
  }
}
