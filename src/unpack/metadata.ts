/**
 * Owner, mode and times of created entries, in that order: `chown` clears setuid/setgid bits, so the mode comes
 * after it (umoci `restoreMetadata`). Rootless, ownership is skipped: an unprivileged user cannot give files away.
 */
import { chmod, lchown, lutimes } from 'node:fs/promises';
import type { EntryHeader } from './entry-header.js';
import { io } from './fs-util.js';
import type { LayerState } from './layer-state.js';

/** Owner and mode of a directory now (rootless: kept owner-writable); its mode and mtime again at layer end. */
export async function setDirMetadata(
  state: LayerState,
  abs: string,
  rel: string,
  h: EntryHeader,
): Promise<void> {
  if (!state.rootless) await io('chown', rel, () => lchown(abs, h.uid, h.gid));
  await io('chmod', rel, () => chmod(abs, state.rootless ? h.mode | 0o700 : h.mode));
  state.setDir(abs, h.mode, h.mtime);
}

/** Owner, mode (not for symlinks, which have none) and times of a just-created non-directory. */
export async function setMetadata(
  state: LayerState,
  abs: string,
  rel: string,
  h: EntryHeader,
  withMode: boolean,
): Promise<void> {
  if (!state.rootless) await io('chown', rel, () => lchown(abs, h.uid, h.gid));
  if (withMode) await io('chmod', rel, () => chmod(abs, h.mode));
  await io('set times of', rel, () => lutimes(abs, h.mtime, h.mtime));
}
