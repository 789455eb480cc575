/**
 * Reading an unpacked rootfs back for comparison (ours against umoci's), and running umoci.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { chmod, lstat, readdir, readlink, rm } from 'node:fs/promises';
import { join } from 'node:path';

/** One path of a tree, as compared between unpackers. */
export interface TreeEntry {
  type: 'file' | 'dir' | 'symlink' | 'fifo' | 'char' | 'block' | 'socket';
  /** Permission bits with setuid/setgid/sticky; absent for symlinks. */
  mode?: number;
  size?: number;
  sha256?: string;
  target?: string;
  nlink?: number;
  /** Whole seconds. */
  mtime: number;
}

async function hashFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Every path below `root` (not `root` itself), keyed by its relative path. */
export async function readTree(root: string): Promise<Map<string, TreeEntry>> {
  const out = new Map<string, TreeEntry>();
  const walk = async (rel: string): Promise<void> => {
    const names = (await readdir(join(root, rel))).sort();
    for (const name of names) {
      const childRel = rel === '' ? name : `${rel}/${name}`;
      const abs = join(root, childRel);
      const st = await lstat(abs);
      const mtime = Math.floor(st.mtimeMs / 1000);
      const mode = st.mode & 0o7777;
      if (st.isDirectory()) {
        out.set(childRel, { type: 'dir', mode, mtime });
        await walk(childRel);
      } else if (st.isSymbolicLink()) {
        out.set(childRel, { type: 'symlink', target: await readlink(abs), mtime });
      } else if (st.isFile()) {
        out.set(childRel, {
          type: 'file',
          mode,
          size: st.size,
          sha256: await hashFile(abs),
          nlink: st.nlink,
          mtime,
        });
      } else if (st.isFIFO()) {
        out.set(childRel, { type: 'fifo', mode, mtime });
      } else if (st.isCharacterDevice()) {
        out.set(childRel, { type: 'char', mode, mtime });
      } else if (st.isBlockDevice()) {
        out.set(childRel, { type: 'block', mode, mtime });
      } else {
        out.set(childRel, { type: 'socket', mode, mtime });
      }
    }
  };
  await walk('');
  return out;
}

/** Lines "path: field ours=… umoci=…" for every difference between two trees; empty when they agree. */
export function diffTrees(
  ours: Map<string, TreeEntry>,
  theirs: Map<string, TreeEntry>,
  options: { ignoreMtime?: boolean } = {},
): string[] {
  const out: string[] = [];
  for (const path of new Set([...ours.keys(), ...theirs.keys()])) {
    const a = ours.get(path);
    const b = theirs.get(path);
    if (!a || !b) {
      out.push(`${path}: ${a ? 'only in ours' : 'only in umoci'} (${JSON.stringify(a ?? b)})`);
      continue;
    }
    for (const key of ['type', 'mode', 'size', 'sha256', 'target', 'nlink', 'mtime'] as const) {
      if (key === 'mtime' && options.ignoreMtime) continue;
      if (a[key] !== b[key]) out.push(`${path}: ${key} ours=${String(a[key])} umoci=${String(b[key])}`);
    }
  }
  return out.sort();
}

/** `umoci unpack --rootless --image LAYOUT:NAME BUNDLE`; rejects with umoci's stderr on failure. */
export function umociUnpack(layout: string, name: string, bundle: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(
      'umoci',
      ['unpack', '--rootless', '--image', `${layout}:${name}`, bundle],
      { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: 120_000 },
      (err, _stdout, stderr) => (err ? reject(new Error(`umoci unpack failed: ${stderr}`)) : resolve()),
    );
  });
}

/**
 * `rm -rf` that also works unprivileged on trees with read-only directories (an unpacked rootfs has some):
 * directories are made owner-writable first.
 */
export async function forceRemove(path: string): Promise<void> {
  const open = async (p: string): Promise<void> => {
    let st: Awaited<ReturnType<typeof lstat>>;
    try {
      st = await lstat(p);
    } catch {
      return;
    }
    if (!st.isDirectory()) return;
    await chmod(p, 0o700).catch(() => undefined);
    for (const name of await readdir(p).catch(() => [] as string[])) await open(join(p, name));
  };
  await open(path);
  await rm(path, { recursive: true, force: true });
}
