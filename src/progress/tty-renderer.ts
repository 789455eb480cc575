import type { ChalkInstance } from 'chalk';
import type { ProgressEvent, ProgressSink } from './events.js';
import { formatBytes, shortDigest } from './format.js';
import { type ProgressOutput, Totals } from './renderers.js';

interface Row {
  digest: string;
  size: number;
  bytes: number;
  state: 'waiting' | 'downloading' | 'verifying' | 'done' | 'exists' | 'mounted' | 'retrying';
}

const ESC = '\x1b';
/** SGR sequences (colours) take no room on the screen. */
const SGR = new RegExp(`${ESC}\\[[\\d;]*m`, 'g');

/** Cuts `line` to `width` visible characters, keeping colour codes (and resetting them when cut). */
export function fitLine(line: string, width: number): string {
  if (line.replace(SGR, '').length <= width) return line;
  let out = '';
  let visible = 0;
  for (let i = 0; i < line.length && visible < width; ) {
    SGR.lastIndex = i;
    const m = SGR.exec(line);
    if (m && m.index === i) {
      out += m[0];
      i += m[0].length;
      continue;
    }
    out += line[i];
    visible++;
    i++;
  }
  return `${out}${ESC}[0m`;
}

const active = (r: Row) => r.state === 'downloading' || r.state === 'verifying' || r.state === 'retrying';
const finished = (r: Row) => r.state === 'done' || r.state === 'exists' || r.state === 'mounted';

/**
 * `--progress=tty` (the default on a terminal): a line per blob — waiting, downloading with bytes/total, verifying,
 * done, already exists — plus a total with speed and ETA, redrawn in place like `docker pull`. It never draws more
 * lines than the terminal has rows (with more blobs than fit: the active ones, then "N done, M waiting"), cuts every
 * line to the terminal's width so nothing wraps, follows resizes, and hides the cursor while it draws. A frame taller
 * than the screen could not be redrawn in place and would leave a copy in the scrollback on every redraw.
 */
export function ttyProgress(out: ProgressOutput, c: ChalkInstance, redrawMs = 100): ProgressSink {
  const totals = new Totals();
  const rows = new Map<string, Row>();
  /** Visible lengths of the lines of the last frame, to know how many screen lines it took at today's width. */
  let drawn: number[] = [];
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  const columns = () => Math.max(20, out.columns ?? 80);
  const height = () => Math.max(3, (out.rows ?? 24) - 1);
  const bar = (done: number, total: number, w: number) => {
    const filled = total > 0 ? Math.round((done / total) * w) : 0;
    return `[${'='.repeat(Math.max(0, filled - 1))}${filled > 0 ? '>' : ''}${' '.repeat(w - filled)}]`;
  };
  const rowLine = (r: Row, width: number) => {
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
      default: {
        const figures = `${formatBytes(r.bytes)}/${formatBytes(r.size)}`;
        const w = Math.min(60, width - id.length - figures.length - 18);
        return w >= 10
          ? `${id}: downloading ${bar(r.bytes, r.size, w)} ${figures}`
          : `${id}: downloading ${figures}`;
      }
    }
  };
  /** The lines of one frame: every row when they fit, else the active rows and a count of the others. */
  const frame = (width: number): string[] => {
    const all = [...rows.values()];
    const budget = height();
    if (all.length + 1 <= budget) return [...all.map((r) => rowLine(r, width)), c.bold(totals.line())];
    const running = all.filter(active);
    const shown = running.slice(0, Math.max(0, budget - 2));
    const done = all.filter(finished).length;
    const waiting = all.filter((r) => r.state === 'waiting').length;
    const more = running.length - shown.length;
    const counts = `${done} done, ${waiting} waiting${more > 0 ? `, ${more} more active` : ''}`;
    return [...shown.map((r) => rowLine(r, width)), c.dim(counts), c.bold(totals.line())];
  };
  const render = () => {
    const width = columns();
    // Cut to one less than the width: a line of exactly the width leaves some terminals' cursor past the edge.
    const lines = frame(width).map((l) => fitLine(l, width - 1));
    // How many screen lines the last frame takes now (after a narrowing resize, wider lines wrapped).
    const up = drawn.reduce((n, len) => n + Math.max(1, Math.ceil(len / width)), 0);
    const move = up > 0 ? `${ESC}[${up}F` : `${ESC}[?25l`;
    out.write(`${move}${lines.map((l) => `${ESC}[2K${l}`).join('\n')}\n${ESC}[J`);
    drawn = lines.map((l) => l.replace(SGR, '').length);
  };
  const schedule = () => {
    timer ??= setTimeout(() => {
      timer = undefined;
      render();
    }, redrawMs);
  };
  const onResize = () => {
    if (!closed && drawn.length > 0) schedule();
  };
  out.on?.('resize', onResize);
  return {
    event(e: ProgressEvent) {
      if (closed) return;
      totals.apply(e);
      const r = 'digest' in e ? rows.get(e.digest) : undefined;
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
        case 'blob-start':
          if (r) Object.assign(r, { state: 'downloading', bytes: e.offset });
          break;
        case 'blob-progress':
          if (r) r.bytes += e.bytes;
          break;
        case 'blob-retry':
          if (r) Object.assign(r, { state: 'retrying', bytes: e.offset });
          break;
        case 'blob-verifying':
          if (r) r.state = 'verifying';
          break;
        case 'blob-done':
          if (r) Object.assign(r, { state: 'done', bytes: r.size });
          break;
        default:
          break;
      }
      schedule();
    },
    close() {
      // Idempotent: a second redraw would move the cursor up into whatever was printed after the bars.
      if (closed) return;
      closed = true;
      out.off?.('resize', onResize);
      if (timer) clearTimeout(timer);
      timer = undefined;
      if (rows.size > 0) render();
      if (drawn.length > 0) out.write(`${ESC}[?25h`);
    },
  };
}
