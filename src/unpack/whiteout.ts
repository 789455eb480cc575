/**
 * Applying whiteouts (image-spec `layer.md`, PROTOCOL.md §9): `.wh.NAME` deletes NAME from lower layers and
 * `.wh..wh..opq` hides every lower-layer child of its directory. Both spare what the current layer itself wrote,
 * wherever the marker sits in the tar (umoci `ociWhiteout`; containerd/moby remove "children not unpacked in
 * this layer"), so an opaque marker after the layer's own entries still keeps them.
 */
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Whiteout } from './entry-name.js';
import { io, ioError, isMissing } from './fs-util.js';
import type { LayerState } from './layer-state.js';
import { removeTree } from './remove.js';

/**
 * Applies one whiteout found in directory `dirRel` (already resolved inside the rootfs). AUFS metadata markers
 * are ignored. A whiteout for something that does not exist is not an error: an earlier whiteout may have taken it.
 */
export async function applyWhiteout(state: LayerState, dirRel: string, whiteout: Whiteout): Promise<void> {
  if (whiteout.kind === 'aufs-meta') return;
  if (whiteout.kind === 'opaque') {
    await purge(state, dirRel, true);
    return;
  }
  await purge(state, dirRel === '' ? whiteout.name : `${dirRel}/${whiteout.name}`, false);
}

/**
 * Removes `rel` unless this layer wrote it (or below it); directories this layer wrote into are walked so their
 * lower-layer children still go. `keep` spares `rel` itself (the opaque directory).
 */
async function purge(state: LayerState, rel: string, keep: boolean): Promise<void> {
  const abs = join(state.root, rel);
  let isDir: boolean;
  try {
    isDir = (await lstat(abs)).isDirectory();
  } catch (err) {
    if (isMissing(err)) return;
    throw ioError('lstat', rel, err);
  }
  if (!keep && !state.isUpper(rel)) {
    await state.touchDir(join(abs, '..'));
    state.forgetPaths();
    await io('remove', rel, () => removeTree(abs, state.rootless));
    return;
  }
  if (!isDir) return;
  const names = await io('read directory', rel || '.', () => readdir(abs));
  for (const name of names) await purge(state, rel === '' ? name : `${rel}/${name}`, false);
}
