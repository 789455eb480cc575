import type { ChalkInstance } from 'chalk';
import type { ProgressEvent, ProgressSink } from './events.js';
import { formatBytes, formatDuration, shortDigest } from './format.js';

/** A stream renderers write to. */
export interface ProgressOutput {
  write(chunk: string): unknown;
  columns?: number | undefined;
}

/** Running totals shared by the renderers. */
class Totals {
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

interface Row {
  digest: string;
  size: number;
  bytes: number;
  state: 'waiting' | 'downloading' | 'verifying' | 'done' | 'exists' | 'mounted' | 'retrying';
}

/**
 * `--progress=tty` (the default on a terminal): a line per blob — waiting, downloading with bytes/total, verifying,
 * done, already exists — plus a total with speed and ETA, redrawn in place like `docker pull`.
 */
export function ttyProgress(out: ProgressOutput, c: ChalkInstance, redrawMs = 100): ProgressSink {
  const totals = new Totals();
  const rows = new Map<string, Row>();
  let drawn = 0;
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  const width = () => Math.max(40, Math.min(out.columns ?? 80, 120));
  const bar = (done: number, total: number, w: number) => {
    const filled = total > 0 ? Math.round((done / total) * w) : 0;
    return `[${'='.repeat(Math.max(0, filled - 1))}${filled > 0 ? '>' : ''}${' '.repeat(w - filled)}]`;
  };
  const render = () => {
    const lines = [...rows.values()].map((r) => {
      const id = shortDigest(r.digest);
      switch (r.state) {
        case 'waiting':
          return `${id}: ${c.dim('waiting')}`;
        case 'exists':
          return `${id}: ${c.green('already exists')}`;
        case 'mounted':
          return `${id}: ${c.green('mounted')}`;
        case 'done':
          return `${id}: ${c.green('done')} ${c.dim(formatBytes(r.size))}`;
        case 'verifying':
          return `${id}: verifying`;
        case 'retrying':
          return `${id}: ${c.yellow('retrying')} ${formatBytes(r.bytes)}/${formatBytes(r.size)}`;
        default:
          return `${id}: downloading ${bar(r.bytes, r.size, Math.max(10, width() - 50))} ${formatBytes(r.bytes)}/${formatBytes(r.size)}`;
      }
    });
    lines.push(c.bold(totals.line()));
    const up = drawn > 0 ? `\x1b[${drawn}F` : '';
    out.write(`${up}${lines.map((l) => `\x1b[2K${l.slice(0, width() + 20)}`).join('\n')}\n`);
    drawn = lines.length;
  };
  const schedule = () => {
    timer ??= setTimeout(() => {
      timer = undefined;
      render();
    }, redrawMs);
  };
  return {
    event(e) {
      if (closed) return;
      totals.apply(e);
      switch (e.type) {
        case 'blob-waiting':
          rows.set(e.digest, { digest: e.digest, size: e.size, bytes: 0, state: 'waiting' });
          break;
        case 'blob-exists':
        case 'blob-mounted':
          rows.set(e.digest, {
            digest: e.digest,
            size: e.size,
            bytes: e.size,
            state: e.type === 'blob-exists' ? 'exists' : 'mounted',
          });
          break;
        case 'blob-start': {
          const r = rows.get(e.digest);
          if (r) Object.assign(r, { state: 'downloading', bytes: e.offset });
          break;
        }
        case 'blob-progress': {
          const r = rows.get(e.digest);
          if (r) r.bytes += e.bytes;
          break;
        }
        case 'blob-retry': {
          const r = rows.get(e.digest);
          if (r) Object.assign(r, { state: 'retrying', bytes: e.offset });
          break;
        }
        case 'blob-verifying': {
          const r = rows.get(e.digest);
          if (r) r.state = 'verifying';
          break;
        }
        case 'blob-done': {
          const r = rows.get(e.digest);
          if (r) Object.assign(r, { state: 'done', bytes: r.size });
          break;
        }
        default:
          break;
      }
      schedule();
    },
    close() {
      // Idempotent: a second redraw would move the cursor up into whatever was printed after the bars.
      if (closed) return;
      closed = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      if (rows.size > 0) render();
    },
  };
}
