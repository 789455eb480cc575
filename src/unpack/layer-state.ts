/**
 * What one layer's extraction remembers while it runs: the paths this layer wrote (its "upper" paths, so its own
 * whiteouts never hide them, as umoci's `upperPaths`), the directories whose metadata must be settled when the
 * layer ends, and the entries it had to skip.
 */
import { chmod, lstat, lutimes, realpath } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { io, ioError, isMissing } from './fs-util.js';
import { resolveInRoot } from './secure-join.js';

/** Entries a layer could not reproduce, by reason; summarized into one warning each. */
export interface SkipCounts {
  /** Block and character devices: `mknod` needs root (or was refused). */
  devices: number;
  /** FIFOs: the `mkfifo` command is not available. */
  fifos: number;
  /** Entries carrying extended attributes (e.g. `security.capability`), which Node cannot set. */
  xattrs: number;
  /** Entries of tar types a rootfs cannot hold (sockets, unknown typeflags). */
  unsupported: number;
}

/** A fresh, all-zero `SkipCounts`. */
export function noSkips(): SkipCounts {
  return { devices: 0, fifos: 0, xattrs: 0, unsupported: 0 };
}

/** Adds `more` into `total`. */
export function addSkips(total: SkipCounts, more: SkipCounts): void {
  total.devices += more.devices;
  total.fifos += more.fifos;
  total.xattrs += more.xattrs;
  total.unsupported += more.unsupported;
}

/** One warning line per kind of skipped entry, e.g. "skipped 3 device nodes (not root)". */
export function skipWarnings(skips: SkipCounts, rootless: boolean): string[] {
  const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;
  const warnings: string[] = [];
  if (skips.devices > 0) {
    const why = rootless ? 'not root' : 'mknod not permitted or not available';
    warnings.push(`skipped ${plural(skips.devices, 'device node', 'device nodes')} (${why})`);
  }
  if (skips.fifos > 0) {
    warnings.push(`skipped ${plural(skips.fifos, 'FIFO', 'FIFOs')} (the mkfifo command is not available)`);
  }
  if (skips.xattrs > 0) {
    warnings.push(
      `ignored extended attributes (e.g. file capabilities) on ${plural(skips.xattrs, 'entry', 'entries')}: ` +
        'Node has no xattr API',
    );
  }
  if (skips.unsupported > 0) {
    warnings.push(
      `skipped ${plural(skips.unsupported, 'entry', 'entries')} of unsupported tar types (sockets?)`,
    );
  }
  return warnings;
}

/** Metadata to settle on a directory at the end of the layer. */
interface DirFix {
  mode?: number;
  mtime?: number;
}

/** The state of one layer's extraction into `root` (an absolute, symlink-free path). */
export class LayerState {
  readonly root: string;
  readonly rootless: boolean;
  readonly skips: SkipCounts = noSkips();
  /** Root-relative paths written by this layer, and all their ancestors. */
  readonly #upper = new Set<string>();
  /** Absolute directory paths → metadata to apply when the layer ends. */
  readonly #dirs = new Map<string, DirFix>();
  /** Entry directory → its resolution inside the root; valid until a symlink appears or anything is removed. */
  readonly #resolved = new Map<string, string>();
  /** Resolved directories known to exist as real directories; same validity. */
  readonly #existing = new Set<string>();

  constructor(root: string, rootless: boolean) {
    this.root = root;
    this.rootless = rootless;
  }

  /**
   * `resolveInRoot(root, dir)`, cached: tar entries come grouped by directory, and resolving lstats every
   * component. Only removals and new symlinks can change a resolution (a new directory or file at a missing
   * component resolves the same way), and both call `forgetPaths`.
   */
  async resolveDir(dir: string): Promise<string> {
    const cached = this.#resolved.get(dir);
    if (cached !== undefined) return cached;
    const resolved = await resolveInRoot(this.root, dir);
    this.#resolved.set(dir, resolved);
    return resolved;
  }

  /** True when the resolved directory `rel` was seen to exist as a directory since the last `forgetPaths`. */
  isKnownDir(rel: string): boolean {
    return this.#existing.has(rel);
  }

  /** Records that the resolved directory `rel` exists as a directory. */
  addKnownDir(rel: string): void {
    this.#existing.add(rel);
  }

  /** Drops the path caches; call after removing anything or creating a symlink. */
  forgetPaths(): void {
    this.#resolved.clear();
    this.#existing.clear();
  }

  /** Records that this layer wrote `rel` (and so, implicitly, its ancestors). */
  markUpper(rel: string): void {
    for (let p = rel; p !== '' && !this.#upper.has(p); p = p.slice(0, Math.max(0, p.lastIndexOf('/')))) {
      this.#upper.add(p);
    }
  }

  /** True when this layer wrote `rel` or something below it. */
  isUpper(rel: string): boolean {
    return this.#upper.has(rel);
  }

  /**
   * Call before changing the children of directory `abs`: remembers its mtime (and, rootless, its mode) so the
   * layer end can restore what adding or removing children changes. Rootless, it also gives the owner write and
   * search permission for the rest of the layer, since a read-only lower directory would otherwise refuse us.
   */
  async touchDir(abs: string): Promise<void> {
    if (this.#dirs.has(abs)) return;
    const st = await io('lstat', this.#rel(abs), () => lstat(abs, { bigint: true }));
    const fix: DirFix = { mtime: Number(st.mtimeNs) / 1e9 };
    const mode = Number(st.mode) & 0o7777;
    if (this.rootless && (mode & 0o700) !== 0o700) {
      await io('chmod', this.#rel(abs), () => chmod(abs, mode | 0o700));
      fix.mode = mode;
    }
    this.#dirs.set(abs, fix);
  }

  /** Sets the metadata a directory entry of this layer asks for, applied when the layer ends. */
  setDir(abs: string, mode: number | undefined, mtime: number): void {
    const fix = this.#dirs.get(abs) ?? {};
    if (mode !== undefined) fix.mode = mode;
    fix.mtime = mtime;
    this.#dirs.set(abs, fix);
  }

  /**
   * Applies the recorded directory metadata, deepest first (a parent made read-only or unsearchable last), to the
   * directories that still exist: a later entry may have removed or replaced one.
   */
  async finish(): Promise<void> {
    const paths = [...this.#dirs.keys()].sort((a, b) => b.split('/').length - a.split('/').length);
    const realRoot = await realpath(this.root);
    for (const abs of paths) {
      const fix = this.#dirs.get(abs)!;
      const rel = this.#rel(abs);
      try {
        if (!(await lstat(abs)).isDirectory()) continue;
        // A later entry may have replaced an ancestor with a symlink: chmod and lutimes would follow it, possibly
        // out of the root. Only touch directories whose real path is still where they were recorded.
        if ((await realpath(abs)) !== join(realRoot, relative(this.root, abs))) continue;
      } catch (err) {
        if (isMissing(err)) continue;
        throw ioError('lstat', rel, err);
      }
      if (fix.mode !== undefined) await io('chmod', rel, () => chmod(abs, fix.mode!));
      if (fix.mtime !== undefined) await io('set times of', rel, () => lutimes(abs, fix.mtime!, fix.mtime!));
    }
    this.#dirs.clear();
  }

  #rel(abs: string): string {
    return relative(this.root, abs) || '.';
  }
}
