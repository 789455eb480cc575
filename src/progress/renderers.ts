import type { ProgressEvent, ProgressSink } from './events.js';
import { formatBytes, formatDuration, shortDigest } from './format.js';

/** A stream renderers write to: a terminal has `columns` and `rows`, and emits `resize`. */
export interface ProgressOutput {
  write(chunk: string): unknown;
  columns?: number | undefined;
  rows?: number | undefined;
  on?(event: 'resize', listener: () => void): unknown;
  off?(event: 'resize', listener: () => void): unknown;
}

/** Running totals shared by the renderers. */
export class Totals {
  totalBytes = 0;
  doneBytes = 0;
  downloaded = 0;
  started = Date.now();
  blobs = 0;
  finished = 0;
  apply(e: ProgressEvent): void {
    if (e.type === 'resolved') {
      this.totalBytes = e.totalBytes;
      this.blobs = e.blobs;
    } else if (e.type === 'blob-exists' || e.type === 'blob-mounted') {
      this.doneBytes += e.size;
      this.finished++;
    } else if (e.type === 'blob-start') {
      this.doneBytes += e.offset;
    } else if (e.type === 'blob-progress') {
      this.doneBytes += e.bytes;
      this.downloaded += e.bytes;
    } else if (e.type === 'blob-done') {
      this.finished++;
    }
  }
  speed(): number {
    const s = (Date.now() - this.started) / 1000;
    return s > 0 ? this.downloaded / s : 0;
  }
  eta(): number {
    const v = this.speed();
    return v > 0 ? (this.totalBytes - this.doneBytes) / v : Number.NaN;
  }
  line(): string {
    return `${this.finished}/${this.blobs} blobs, ${formatBytes(this.doneBytes)} of ${formatBytes(this.totalBytes)}, ${formatBytes(this.speed())}/s, ETA ${formatDuration(this.eta())}`;
  }
}

/** `--progress=none` and `--quiet`: shows nothing. */
export function noProgress(): ProgressSink {
  return { event() {}, close() {} };
}

/** `--progress=json`: one JSON object per event and line (NDJSON), for machines. */
export function jsonProgress(out: ProgressOutput): ProgressSink {
  return {
    event(e) {
      if (e.type === 'blob-progress') return; // too chatty for a log; blob-done carries the figures
      out.write(`${JSON.stringify({ ...e, time: new Date().toISOString() })}\n`);
    },
    close() {},
  };
}

/**
 * `--progress=plain` (the default off a TTY): one line per finished blob and a summary line every few seconds,
 * so CI logs show life without redrawing.
 */
export function plainProgress(out: ProgressOutput, intervalMs = 5_000): ProgressSink {
  const totals = new Totals();
  let last = Date.now();
  return {
    event(e) {
      totals.apply(e);
      if (e.type === 'resolved') {
        out.write(
          `Resolved ${e.reference} to ${e.digest} (${e.blobs} blobs, ${formatBytes(e.totalBytes)})\n`,
        );
      } else if (e.type === 'blob-exists') {
        out.write(`${shortDigest(e.digest)}: already exists (${formatBytes(e.size)})\n`);
      } else if (e.type === 'blob-mounted') {
        out.write(`${shortDigest(e.digest)}: mounted from another repository (${formatBytes(e.size)})\n`);
      } else if (e.type === 'blob-done') {
        out.write(`${shortDigest(e.digest)}: done (${formatBytes(e.size)} ${e.kind})\n`);
      } else if (e.type === 'blob-retry') {
        out.write(`${shortDigest(e.digest)}: retry ${e.attempt} from byte ${e.offset}: ${e.reason}\n`);
      } else if (e.type === 'blob-start' && e.offset > 0) {
        out.write(`${shortDigest(e.digest)}: resuming at ${formatBytes(e.offset)}\n`);
      }
      if (e.type === 'blob-progress' && Date.now() - last >= intervalMs) {
        last = Date.now();
        out.write(`progress: ${totals.line()}\n`);
      }
    },
    close() {},
  };
}
