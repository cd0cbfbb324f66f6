// Incremental frame receiver for a byte stream (reference §2.1 "Receiver resync", §1 timing).
// Pure: bytes and their arrival times come in, frames and drop reports go out. Chunk boundaries
// don't matter. After a header that fails a sanity check, a failed check character or a gap
// longer than the inter-character timeout, only the SOM byte is discarded and the bytes after it
// are rescanned for a later SOM, because a real frame may hide inside a broken one (LOi#222).

import {
  type Frame,
  type FrameError,
  MARK,
  MAX_FRAME_LEN,
  SOM,
  checkHeader,
  parseFrame,
} from './frame.ts';

const GAP = 'frame interrupted by an inter-character gap';

export type DropReason =
  | 'garbage' // bytes before any SOM
  | 'bad_length' // LEN below the minimum or above the configured maximum
  | 'bad_ctrl' // CTRL bits 4–7 set
  | 'bad_check' // CRC/checksum mismatch
  | 'bad_scb' // malformed security block
  | 'timeout' // inter-character gap inside a partial frame
  | 'wrong_direction' // a valid frame filtered out by `accept`
  | 'reset'; // discarded by reset()

export type StreamEvent =
  | { type: 'frame'; frame: Frame; at?: number }
  | {
      type: 'dropped';
      bytes: Uint8Array;
      reason: DropReason;
      message?: string;
      /** [MARK] SOM..CTRL of a header whose LEN exceeds `maxLength`, so a PD can answer NAK 0x02 (reference §1). */
      header?: Uint8Array;
    };

export interface FrameStreamOptions {
  /** Largest LEN accepted (default 1440, the spec maximum). */
  maxLength?: number;
  /** Inter-character timeout in ms (default 20); only used when push() gets `at`. */
  interCharTimeoutMs?: number;
  /** 'replies' for a CP (ignore commands from another master), 'commands' for a PD. Default 'any'. */
  accept?: 'any' | 'replies' | 'commands';
}

export interface StreamSnapshot {
  readonly buf: Uint8Array;
  readonly lastAt: number | undefined;
}

export const EMPTY_STREAM: StreamSnapshot = { buf: new Uint8Array(0), lastAt: undefined };

export class FrameStreamParser {
  readonly maxLength: number;
  readonly interCharTimeoutMs: number;
  readonly accept: 'any' | 'replies' | 'commands';
  private buf: Uint8Array = new Uint8Array(0);
  private lastAt: number | undefined;
  private events: StreamEvent[] = [];

  constructor(opts: FrameStreamOptions = {}) {
    this.maxLength = opts.maxLength ?? MAX_FRAME_LEN;
    this.interCharTimeoutMs = opts.interCharTimeoutMs ?? 20;
    this.accept = opts.accept ?? 'any';
  }

  /**
   * The receive state as an immutable value, for reducers that keep the parser in their state
   * (pd.ts). The buffer is never written in place, so the snapshot may be shared.
   */
  snapshot(): StreamSnapshot {
    return { buf: this.buf, lastAt: this.lastAt };
  }

  /** A parser that continues from a snapshot. */
  static restore(snap: StreamSnapshot, opts: FrameStreamOptions = {}): FrameStreamParser {
    const p = new FrameStreamParser(opts);
    p.buf = snap.buf;
    p.lastAt = snap.lastAt;
    return p;
  }

  /** Bytes held back waiting for the rest of a frame (or a MARK waiting for its SOM). */
  get pending(): number {
    return this.buf.length;
  }

  /** Feeds received bytes; `at` is their arrival time in ms (any monotonic clock). */
  push(chunk: Uint8Array, at?: number): StreamEvent[] {
    this.events = [];
    if (at !== undefined) {
      if (
        this.lastAt !== undefined &&
        this.buf.length > 0 &&
        at - this.lastAt > this.interCharTimeoutMs
      ) {
        this.drainStale();
      }
      this.lastAt = at;
    }
    if (chunk.length > 0) {
      const next = new Uint8Array(this.buf.length + chunk.length);
      next.set(this.buf);
      next.set(chunk, this.buf.length);
      this.buf = next;
    }
    this.scan(at, false);
    return this.events;
  }

  /**
   * Bus time reached `at` and no byte came since the last one (a read timed out). Once the line has
   * been quiet for the inter-character timeout, a partial frame can never complete: drop it and
   * rescan what is buffered behind its SOM, which may hold whole frames (a false SOM, LOi#222).
   * Silence up to `at` is a gap of `at - lastAt`, so this expires at `lastAt + interCharTimeoutMs`.
   */
  expire(at: number): StreamEvent[] {
    this.events = [];
    if (
      this.buf.length > 0 &&
      this.lastAt !== undefined &&
      at - this.lastAt >= this.interCharTimeoutMs
    )
      this.drainStale();
    return this.events;
  }

  /** Discards everything buffered (e.g. after switching baud rate). */
  reset(): StreamEvent[] {
    this.events = [];
    if (this.buf.length) this.drop(this.buf.length, 'reset');
    this.lastAt = undefined;
    return this.events;
  }

  /** A gap ended the partial frame: nothing more can complete it, so rescan what is buffered. */
  private drainStale(): void {
    this.scan(undefined, true);
  }

  /**
   * Consumes as much of the buffer as possible. With `stale`, an incomplete frame can never
   * complete, so its SOM is dropped as 'timeout' and the rest rescanned, until nothing is left.
   */
  private scan(at: number | undefined, stale: boolean): void {
    for (;;) {
      const b = this.buf;
      if (b.length === 0) return;
      const som = b.indexOf(SOM);
      if (som < 0) {
        // Keep a trailing MARK: its SOM may be in the next chunk.
        const keep = !stale && b[b.length - 1] === MARK ? 1 : 0;
        if (b.length - keep > 0) this.drop(b.length - keep, 'garbage');
        return;
      }
      const markAt = som > 0 && b[som - 1] === MARK ? som - 1 : som;
      if (markAt > 0) {
        this.drop(markAt, 'garbage');
        continue;
      }
      // Buffer now starts with [MARK] SOM.
      const h = checkHeader(b, som, this.maxLength);
      if (!h.ok) {
        if (h.error.kind === 'too_short') {
          if (stale) this.dropToNextSom(som, 'timeout', GAP, true);
          else return;
          continue;
        }
        // LEN above our maximum (not below the minimum): keep the header for the PD's NAK 0x02.
        const len = b[som + 2]! | (b[som + 3]! << 8);
        this.dropFalseSom(
          som,
          h.error,
          h.error.kind === 'bad_length' && len > this.maxLength ? b.slice(0, som + 5) : undefined,
        );
        continue;
      }
      if (b.length - som < h.len) {
        if (stale) this.dropToNextSom(som, 'timeout', GAP, true);
        else return;
        continue;
      }
      const parsed = parseFrame(b.subarray(0, som + h.len));
      if (!parsed.ok) {
        this.dropFalseSom(som, parsed.error);
        continue;
      }
      const frame = parsed.frame;
      const wanted = this.accept === 'any' || (this.accept === 'replies') === frame.reply;
      if (!wanted) {
        this.drop(
          som + h.len,
          'wrong_direction',
          frame.reply ? 'reply ignored' : 'command ignored',
        );
        continue;
      }
      this.buf = b.subarray(som + h.len);
      this.events.push(at === undefined ? { type: 'frame', frame } : { type: 'frame', frame, at });
    }
  }

  /** The SOM at `som` did not start a valid frame: drop it (and its MARK) and rescan after it. */
  private dropFalseSom(som: number, error: FrameError, header?: Uint8Array): void {
    const reason: DropReason =
      error.kind === 'bad_ctrl' || error.kind === 'bad_check' || error.kind === 'bad_scb'
        ? error.kind
        : 'bad_length';
    this.dropToNextSom(som, reason, error.message, false, header);
  }

  /** Drops from the front up to (not including) the next SOM candidate after `som`, or its MARK. */
  private dropToNextSom(
    som: number,
    reason: DropReason,
    message: string,
    stale: boolean,
    header?: Uint8Array,
  ): void {
    const b = this.buf;
    const next = b.indexOf(SOM, som + 1);
    let end: number;
    if (next < 0)
      end = b.length - (!stale && b[b.length - 1] === MARK && b.length - 1 > som ? 1 : 0);
    else end = b[next - 1] === MARK && next - 1 > som ? next - 1 : next;
    this.drop(end, reason, message, header);
  }

  /** Removes n bytes from the front; merges with the previous drop event if the reason matches (never an over-size header's). */
  private drop(n: number, reason: DropReason, message?: string, header?: Uint8Array): void {
    const bytes = this.buf.slice(0, n);
    this.buf = this.buf.subarray(n);
    if (header) {
      this.events.push(
        message === undefined
          ? { type: 'dropped', bytes, reason, header }
          : { type: 'dropped', bytes, reason, message, header },
      );
      return;
    }
    const last = this.events[this.events.length - 1];
    if (last && last.type === 'dropped' && last.reason === reason && !last.header) {
      const merged = new Uint8Array(last.bytes.length + bytes.length);
      merged.set(last.bytes);
      merged.set(bytes, last.bytes.length);
      last.bytes = merged;
      return;
    }
    this.events.push(
      message === undefined
        ? { type: 'dropped', bytes, reason }
        : { type: 'dropped', bytes, reason, message },
    );
  }
}
