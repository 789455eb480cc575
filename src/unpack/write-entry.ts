/**
 * Writing one tar entry into the rootfs (PROTOCOL.md §9): resolve the parent inside the root, create the last
 * component without following anything already there (lstat, remove, then an exclusive create), then apply
 * owner, mode (after the owner, so setuid bits survive) and times.
 */

import { type FileHandle, link, mkdir, open, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { OcipullError } from '../errors.js';
import type { EntryHeader } from './entry-header.js';
import { cleanEntryName, parseWhiteout, splitPath } from './entry-name.js';
import { io, lstatOrUndefined } from './fs-util.js';
import type { LayerState } from './layer-state.js';
import { setDirMetadata, setMetadata } from './metadata.js';
import { removeTree } from './remove.js';
import {
  MAX_DEVICE_MAJOR,
  MAX_DEVICE_MINOR,
  makeDevice,
  makeFifo,
  type SpecialResult,
} from './special-files.js';
import { applyWhiteout } from './whiteout.js';

/** The content of an entry: its bytes for regular files, nothing (but still to be drained) for the others. */
export type EntryData = AsyncIterable<unknown>;

/** Applies one entry of the current layer to the rootfs. The caller drains `data` afterwards. */
export async function writeEntry(state: LayerState, h: EntryHeader, data: EntryData): Promise<void> {
  const rel = cleanEntryName(h.name);
  if (rel === '') return writeRoot(state, h);
  const { dir, base } = splitPath(rel);
  const whiteout = parseWhiteout(base, h.name);
  const dirRel = await state.resolveDir(dir);
  if (whiteout) return applyWhiteout(state, dirRel, whiteout);
  if (h.type === 'unsupported') {
    state.skips.unsupported++;
    return;
  }
  const isDevice = h.type === 'character-device' || h.type === 'block-device';
  if (isDevice && state.rootless) {
    state.skips.devices++;
    return;
  }
  if (isDevice) checkDevice(h);
  if (h.hasXattrs) state.skips.xattrs++;

  await ensureDir(state, dirRel);
  const parent = join(state.root, dirRel);
  const pathRel = dirRel === '' ? base : `${dirRel}/${base}`;
  const abs = join(parent, base);
  const linkTarget = h.type === 'link' ? await resolveHardlink(state, h) : undefined;
  await state.touchDir(parent);
  const existing = await lstatOrUndefined(abs, pathRel);
  if (existing && !(existing.isDirectory() && h.type === 'directory') && linkTarget !== abs) {
    state.forgetPaths();
    await io('replace', pathRel, () => removeTree(abs, state.rootless));
  }

  let created = true;
  switch (h.type) {
    case 'file':
      await writeFile(state, abs, pathRel, h, data);
      break;
    case 'directory':
      if (!existing?.isDirectory()) await io('mkdir', pathRel, () => mkdir(abs, 0o700));
      await setDirMetadata(state, abs, pathRel, h);
      break;
    case 'symlink':
      // Targets are stored verbatim: absolute ones like `/lib64 -> /usr/lib64` are normal in a rootfs.
      state.forgetPaths();
      await io('symlink', pathRel, () => symlink(h.linkname, abs));
      await setMetadata(state, abs, pathRel, h, false);
      break;
    case 'link':
      // A hardlink shares its target's inode and metadata; its own header fields are not applied (umoci).
      // A hardlink to a symlink is a symlink at this path: cached resolutions through it are stale.
      state.forgetPaths();
      if (linkTarget !== abs) await io('hardlink', pathRel, () => link(linkTarget!, abs));
      break;
    case 'fifo':
      created = await special(state, pathRel, h, makeFifo(abs), 'fifos');
      if (created) await setMetadata(state, abs, pathRel, h, true);
      break;
    default: {
      const kind = h.type === 'character-device' ? 'c' : 'b';
      created = await special(state, pathRel, h, makeDevice(abs, kind, h.devmajor, h.devminor), 'devices');
      if (created) await setMetadata(state, abs, pathRel, h, true);
    }
  }
  if (created) state.markUpper(pathRel);
}

/** An entry for the rootfs itself (`./`): only a directory may describe it; its metadata is applied. */
async function writeRoot(state: LayerState, h: EntryHeader): Promise<void> {
  if (h.type !== 'directory') {
    throw new OcipullError(
      'E_MANIFEST_INVALID',
      `refusing layer entry ${JSON.stringify(h.name)}: a ${h.type} cannot replace the rootfs directory`,
    );
  }
  await state.touchDir(state.root);
  await setDirMetadata(state, state.root, '.', h);
}

/**
 * Creates the missing directories of `dirRel` (already resolved, so every existing component is a real
 * directory) one by one, never with a recursive `mkdir` that the kernel would let follow a symlink.
 */
async function ensureDir(state: LayerState, dirRel: string): Promise<void> {
  if (dirRel === '' || state.isKnownDir(dirRel)) return;
  const existing = await lstatOrUndefined(join(state.root, dirRel), dirRel);
  if (existing?.isDirectory()) {
    state.addKnownDir(dirRel);
    return;
  }
  let current = '';
  for (const part of dirRel.split('/')) {
    const next = current === '' ? part : `${current}/${part}`;
    const abs = join(state.root, next);
    const st = await lstatOrUndefined(abs, next);
    if (st === undefined) {
      await state.touchDir(join(state.root, current));
      await io('mkdir', next, () => mkdir(abs, 0o755));
    } else if (!st.isDirectory()) {
      throw new OcipullError(
        'E_IO',
        `unpack: cannot create ${JSON.stringify(dirRel)}: ${next} is not a directory`,
      );
    }
    current = next;
  }
  state.addKnownDir(dirRel);
}

/**
 * Resolves a hardlink's target inside the rootfs: the directory part chroot-style, the last component not
 * followed (a hardlink to a symlink links the symlink). The target must already exist, from this or a lower
 * layer; `/etc/passwd` means the rootfs's `etc/passwd`, never the host's.
 */
async function resolveHardlink(state: LayerState, h: EntryHeader): Promise<string> {
  const targetRel = cleanEntryName(h.linkname, 'hardlink target');
  const refuse = (reason: string) =>
    new OcipullError(
      'E_MANIFEST_INVALID',
      `refusing hardlink ${JSON.stringify(h.name)} -> ${JSON.stringify(h.linkname)}: ${reason}`,
    );
  if (targetRel === '') throw refuse('the target is the rootfs directory');
  const { dir, base } = splitPath(targetRel);
  const target = join(state.root, await state.resolveDir(dir), base);
  const st = await lstatOrUndefined(target, targetRel);
  if (st === undefined) {
    throw refuse('the target does not exist in the rootfs (it must be a file of this or a lower layer)');
  }
  if (st.isDirectory()) throw refuse('the target is a directory');
  return target;
}

async function writeFile(
  state: LayerState,
  abs: string,
  rel: string,
  h: EntryHeader,
  data: EntryData,
): Promise<void> {
  // 'wx' is O_CREAT|O_EXCL: it fails rather than follow anything that appeared at the path.
  const fh = await io('create', rel, () => open(abs, 'wx', 0o600));
  try {
    for await (const chunk of data) await writeAll(fh, chunk as Uint8Array, rel);
    if (!state.rootless) await io('chown', rel, () => fh.chown(h.uid, h.gid));
    await io('chmod', rel, () => fh.chmod(h.mode));
    await io('set times of', rel, () => fh.utimes(h.mtime, h.mtime));
  } finally {
    await fh.close();
  }
}

async function writeAll(fh: FileHandle, chunk: Uint8Array, rel: string): Promise<void> {
  let offset = 0;
  while (offset < chunk.length) {
    const { bytesWritten } = await io('write', rel, () => fh.write(chunk, offset, chunk.length - offset));
    offset += bytesWritten;
  }
}

async function special(
  state: LayerState,
  rel: string,
  h: EntryHeader,
  creating: Promise<SpecialResult>,
  skipKind: 'fifos' | 'devices',
): Promise<boolean> {
  const result = await io(`create ${h.type}`, rel, () => creating);
  if (result === 'created') return true;
  state.skips[skipKind]++;
  return false;
}

function checkDevice(h: EntryHeader): void {
  const ok = (n: number, max: number) => Number.isInteger(n) && n >= 0 && n <= max;
  if (!ok(h.devmajor, MAX_DEVICE_MAJOR) || !ok(h.devminor, MAX_DEVICE_MINOR)) {
    throw new OcipullError(
      'E_MANIFEST_INVALID',
      `refusing device ${JSON.stringify(h.name)}: number ${h.devmajor}:${h.devminor} is out of range`,
    );
  }
}
