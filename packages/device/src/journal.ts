// The slot's "flash": one append-only journal file per slot, in the device's state directory.
//
// Crash safety, by construction:
// - a change is acknowledged only after its record is written AND fsync'd (append → fsync → apply
//   in memory → reply/emit), so a kill at any instant loses nothing acknowledged;
// - every record carries its length and a CRC (record.ts); on load the first record that is
//   incomplete or fails its check, and everything after it, is a torn tail: it is truncated away
//   (and the truncation fsync'd) before anything new is appended;
// - a failed write is rolled back by truncating to the last good length, so a later record never
//   lands behind garbage;
// - compaction writes one snapshot record to `<name>.tmp`, fsyncs it, renames it over the journal
//   and fsyncs the directory: a kill before the rename leaves the old journal, after it the new.
// The journal holds the slot seed (the device is its authoritative holder), never a derived SCBK.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { decodeRecords, encodeRecord } from './record.ts';
import { applyRecord, emptySlot, RecordError, snapshotRecord } from './slot-model.ts';
import type { JournalRecord, SlotData } from './slot-model.ts';

export interface JournalOptions {
  /** fsync data and directory (turn off only for throwaway test dirs). */
  durable: boolean;
  /** Compact after this many records past the last snapshot. */
  compactEvery: number;
  /** Edges kept per slot. */
  edgeLimit: number;
  /** Where a failed compaction is reported (never key material). */
  log?: (line: string) => void;
}

export interface LoadReport {
  /** Bytes of torn or corrupt tail that were cut off. */
  truncatedBytes: number;
  records: number;
}

export function journalPath(dir: string, index: number): string {
  return path.join(dir, `slot-${index}.journal`);
}

export function fsyncDir(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * The mode given to openSync applies only to a file it creates: a journal that already existed keeps
 * its mode. It will hold a seed, so it is made 0600 before anything is written (or refused clearly).
 */
function makePrivate(fd: number, file: string): void {
  if (process.platform === 'win32') return; // no POSIX modes
  const mode = fs.fstatSync(fd).mode & 0o777;
  if ((mode & 0o077) === 0) return;
  try {
    fs.fchmodSync(fd, 0o600);
  } catch {
    const m = mode.toString(8).padStart(3, '0');
    throw new Error(
      `slot journal ${file} is open to group/others (mode ${m}) and cannot be made private: run chmod 600 on it, or choose another state dir`,
    );
  }
}

export class SlotJournal {
  private fd: number;
  private size: number;
  private sinceSnapshot: number;
  private broken = false;
  /** A compaction failed (or a delete's is owed): try again on the next append. */
  private compactDue = false;

  private constructor(
    private readonly dir: string,
    readonly slot: SlotData,
    fd: number,
    size: number,
    sinceSnapshot: number,
    private readonly opts: JournalOptions,
  ) {
    this.fd = fd;
    this.size = size;
    this.sinceSnapshot = sinceSnapshot;
  }

  /** Opens (or creates) slot `index`'s journal, replays it, and cuts off a torn tail. */
  static open(
    dir: string,
    index: number,
    opts: JournalOptions,
  ): { journal: SlotJournal; report: LoadReport } {
    const file = journalPath(dir, index);
    fs.rmSync(`${file}.tmp`, { force: true }); // an unfinished compaction; the journal itself is intact
    const existed = fs.existsSync(file);
    const fd = fs.openSync(file, fs.constants.O_RDWR | fs.constants.O_CREAT, 0o600);
    try {
      makePrivate(fd, file);
    } catch (e) {
      fs.closeSync(fd);
      throw e;
    }
    if (!existed && opts.durable) fsyncDir(dir);
    const bytes = fs.readFileSync(fd);
    const { records, ends, validLength } = decodeRecords(bytes);
    const slot = emptySlot(index);
    let good = 0;
    let sinceSnapshot = 0;
    for (let i = 0; i < records.length; i++) {
      const rec = records[i] as JournalRecord;
      try {
        applyRecord(slot, rec, opts.edgeLimit);
      } catch (e) {
        if (!(e instanceof RecordError) && !(e instanceof TypeError)) throw e;
        break; // a record that does not fit is treated like a corrupt tail
      }
      good = ends[i]!;
      sinceSnapshot = rec.t === 'snapshot' ? 0 : sinceSnapshot + 1;
    }
    const end = Math.min(good, validLength);
    if (end < bytes.length) {
      fs.ftruncateSync(fd, end);
      if (opts.durable) fs.fsyncSync(fd);
    }
    const journal = new SlotJournal(dir, slot, fd, end, sinceSnapshot, opts);
    return { journal, report: { truncatedBytes: bytes.length - end, records: records.length } };
  }

  /** Journals `rec` durably, then applies it. Returns only once the record would survive a kill. */
  append(rec: JournalRecord): void {
    if (this.broken) throw new Error(`slot ${this.slot.index} journal is unwritable`);
    const buf = encodeRecord(rec);
    try {
      let off = 0;
      while (off < buf.length)
        off += fs.writeSync(this.fd, buf, off, buf.length - off, this.size + off);
      if (this.opts.durable) fs.fsyncSync(this.fd);
    } catch (e) {
      this.rollback();
      throw e;
    }
    try {
      applyRecord(this.slot, rec, this.opts.edgeLimit);
    } catch (e) {
      this.rollback(); // callers validate first; never leave an unappliable record on flash
      throw e;
    }
    this.size += buf.length;
    this.sinceSnapshot++;
    if (rec.t === 'delete') this.compactDue = true; // so the deleted seed leaves flash
    if (this.compactDue || this.sinceSnapshot >= this.opts.compactEvery) this.tryCompact();
  }

  /**
   * The record is already durable and applied, so the append has succeeded whatever happens here:
   * a failed compaction is only logged and retried on the next append (the journal stays valid).
   */
  private tryCompact(): void {
    try {
      this.compact();
      this.compactDue = false;
    } catch (e) {
      this.compactDue = true;
      const code = (e as NodeJS.ErrnoException).code ?? (e instanceof Error ? e.name : 'error');
      this.opts.log?.(
        `slot ${this.slot.index}: journal compaction failed (${code}); will retry on the next change`,
      );
    }
  }

  /** Rewrites the journal as one snapshot record (atomically; see the header comment). */
  compact(): void {
    const file = journalPath(this.dir, this.slot.index);
    const tmp = `${file}.tmp`;
    const buf = encodeRecord(snapshotRecord(this.slot));
    const tfd = fs.openSync(tmp, 'w+', 0o600);
    try {
      let off = 0;
      while (off < buf.length) off += fs.writeSync(tfd, buf, off, buf.length - off, off);
      if (this.opts.durable) fs.fsyncSync(tfd);
      fs.renameSync(tmp, file);
    } catch (e) {
      fs.closeSync(tfd);
      fs.rmSync(tmp, { force: true });
      throw e; // nothing changed: the old journal is still the file and still ours
    }
    // Renamed: tfd IS the journal now. Switch to it before anything else can fail, so later appends
    // never land in the old, unlinked file.
    fs.closeSync(this.fd);
    this.fd = tfd;
    this.size = buf.length;
    this.sinceSnapshot = 0;
    if (this.opts.durable) fsyncDir(this.dir); // a failure here leaves compactDue set: retried
  }

  close(): void {
    fs.closeSync(this.fd);
  }

  private rollback(): void {
    try {
      fs.ftruncateSync(this.fd, this.size);
      if (this.opts.durable) fs.fsyncSync(this.fd);
    } catch {
      this.broken = true;
    }
  }
}
