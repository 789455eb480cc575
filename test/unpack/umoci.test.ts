/**
 * Differential tests: the same OCI layout unpacked by ocipull and by `umoci unpack --rootless` (the reference
 * unpacker of TESTING.md), compared path by path: type, mode, size, content hash, symlink target, link count and
 * mtime. Known, deliberate difference: rootless umoci writes an empty regular file (with the device's mode) in
 * place of each device node, ocipull skips device nodes with one warning.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { lstat, mkdir, mkdtemp, readdir, readFile, readlink, rename } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { pack as tarPack } from 'tar-stream';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { unpackImage } from '../../src/unpack/index.js';
import { describeWithTools } from '../helpers/tools.js';
import { writeLayout } from './tar-fixtures.js';
import { diffTrees, forceRemove, readTree, type TreeEntry, umociUnpack } from './tree.js';
import { whiteoutLayers } from './whiteout-fixture.js';

let base: string;
beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'ocipull-unpack-umoci-'));
});
afterAll(async () => {
  await forceRemove(base);
});

/** Unpacks LAYOUT:NAME with both tools and returns both trees. */
async function unpackBoth(layout: string, name: string, tag: string) {
  const ours = join(base, `${tag}-ours`);
  const bundle = join(base, `${tag}-umoci`);
  const started = performance.now();
  const result = await unpackImage({ layout, name, dest: ours, rootless: true });
  const oursMs = performance.now() - started;
  const umociStarted = performance.now();
  await umociUnpack(layout, name, bundle);
  const umociMs = performance.now() - umociStarted;
  return {
    result,
    ours: await readTree(ours),
    theirs: await readTree(join(bundle, 'rootfs')),
    oursMs,
    umociMs,
  };
}

/** Moves umoci's stand-ins for device nodes (empty regular files) out of its tree, returning their paths. */
function takeDeviceStandIns(theirs: Map<string, TreeEntry>, paths: readonly string[]): string[] {
  const taken: string[] = [];
  for (const path of paths) {
    const entry = theirs.get(path);
    if (entry?.type === 'file' && entry.size === 0) {
      theirs.delete(path);
      taken.push(path);
    }
  }
  return taken;
}

describeWithTools(['umoci'], 'unpack compared with umoci unpack --rootless', () => {
  it('whiteout fixture: same tree, entry by entry', async () => {
    const [l1, l2, l3] = await whiteoutLayers();
    const layout = join(base, 'wh-layout');
    await writeLayout(layout, [{ tar: l1 }, { tar: l2, compression: 'none' }, { tar: l3 }], 'wh');
    const { result, ours, theirs } = await unpackBoth(layout, 'wh', 'wh');

    expect(takeDeviceStandIns(theirs, ['dev/null', 'dev/loop0'])).toEqual(['dev/null', 'dev/loop0']);
    expect(result.warnings).toEqual(['skipped 2 device nodes (not root)']);
    // umoci 0.4.7 restores the mtime only of the marker's own directory after an opaque whiteout, not of
    // subdirectories its purge walked into (oci/layer/tar_extract.go ociWhiteout): opq/sub keeps the time of the
    // purge there, while the layer says T0. ocipull restores every directory it changed.
    const umociQuirk = /^opq\/sub: mtime ours=1700000000 umoci=\d+$/;
    expect(diffTrees(ours, theirs).filter((line) => !umociQuirk.test(line))).toEqual([]);
    // The comparison covered the interesting paths (both tools agree they exist and how).
    for (const path of [
      'data/link',
      'data/abs-link',
      'opq/new',
      'opq/sub/c',
      'samelayer',
      'recreate',
      'fifo',
    ]) {
      expect(ours.has(path), path).toBe(true);
    }
    expect(ours.get('lib64')).toMatchObject({ type: 'symlink', target: '/usr/lib64' });
    expect(ours.get('data/link')).toMatchObject({ type: 'file', nlink: 2 });
  });

  it('a real tree (/usr/share/doc, thousands of files, one gzip layer): same tree as umoci', async () => {
    const source = '/usr/share/doc';
    const layout = join(base, 'doc-layout');
    await mkdir(join(layout, 'blobs', 'sha256'), { recursive: true });
    const layer = await tarDirectory(source, join(layout, 'blobs', 'sha256'));
    await writeLayout(layout, [layer], 'doc');
    const { result, ours, theirs, oursMs, umociMs } = await unpackBoth(layout, 'doc', 'doc');

    console.info(
      `unpack ${source}: ${layer.files} entries, ${(layer.uncompressed / 1e6).toFixed(1)} MB tar, ` +
        `${(layer.descriptor.size / 1e6).toFixed(1)} MB gzip; ocipull ${oursMs.toFixed(0)} ms, umoci ${umociMs.toFixed(0)} ms`,
    );
    expect(result.entries).toBe(layer.files);
    expect(ours.size).toBeGreaterThan(1000);
    expect(diffTrees(ours, theirs)).toEqual([]);
    // And both reproduce the source: types, modes, sizes, symlink targets.
    const sourceTree = await readTree(source);
    for (const path of layer.skipped) sourceTree.delete(path);
    expect(diffTrees(ours, sourceTree, { ignoreMtime: true }).slice(0, 20)).toEqual([]);
  }, 180_000);
});

/**
 * Streams a tar.gz of `dir` (sorted, entries relative to `dir` placed under `usr/share/doc/`, hardlinks kept,
 * unreadable entries and sockets skipped) into a blob of `blobDir`, hashing the compressed and uncompressed
 * bytes on the way; one file's content is in memory at a time.
 */
async function tarDirectory(dir: string, blobDir: string) {
  const pack = tarPack();
  const uncompressedHash = createHash('sha256');
  const compressedHash = createHash('sha256');
  let uncompressed = 0;
  let compressed = 0;
  const tmp = join(blobDir, 'layer.tmp');
  const writing = pipeline(
    pack,
    new Transform({
      transform(chunk: Buffer, _enc, cb) {
        uncompressedHash.update(chunk);
        uncompressed += chunk.length;
        cb(null, chunk);
      },
    }),
    createGzip({ level: 1 }),
    new Transform({
      transform(chunk: Buffer, _enc, cb) {
        compressedHash.update(chunk);
        compressed += chunk.length;
        cb(null, chunk);
      },
    }),
    createWriteStream(tmp),
  );
  const seenInodes = new Map<string, string>();
  const skipped: string[] = [];
  let files = 0;
  const add = (header: Parameters<typeof pack.entry>[0], content?: Buffer) =>
    new Promise<void>((resolve, reject) => {
      const cb = (err?: Error | null) => (err ? reject(err) : resolve());
      if (content) pack.entry(header, content, cb);
      else pack.entry(header, cb);
    });
  const walk = async (rel: string): Promise<void> => {
    for (const name of (await readdir(join(dir, rel))).sort()) {
      const childRel = rel === '' ? name : `${rel}/${name}`;
      const abs = join(dir, childRel);
      const st = await lstat(abs);
      const common = {
        name: childRel,
        mode: st.mode & 0o7777,
        uid: st.uid,
        gid: st.gid,
        mtime: new Date(Math.floor(st.mtimeMs / 1000) * 1000),
      };
      const inode = `${st.dev}:${st.ino}`;
      if (st.isDirectory()) {
        await add({ ...common, name: `${childRel}/`, type: 'directory' });
        files++;
        await walk(childRel);
      } else if (st.isSymbolicLink()) {
        await add({ ...common, type: 'symlink', linkname: await readlink(abs) });
        files++;
      } else if (st.isFile() && st.nlink > 1 && seenInodes.has(inode)) {
        await add({ ...common, type: 'link', linkname: seenInodes.get(inode)! });
        files++;
      } else if (st.isFile()) {
        let content: Buffer;
        try {
          content = await readFile(abs);
        } catch {
          skipped.push(childRel);
          continue;
        }
        if (st.nlink > 1) seenInodes.set(inode, childRel);
        await add({ ...common, type: 'file', size: content.length }, content);
        files++;
      } else {
        skipped.push(childRel);
      }
    }
  };
  await walk('');
  pack.finalize();
  await writing;
  const digest = `sha256:${compressedHash.digest('hex')}`;
  await rename(tmp, join(blobDir, digest.slice(7)));
  return {
    descriptor: { mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest, size: compressed },
    diffId: `sha256:${uncompressedHash.digest('hex')}`,
    uncompressed,
    files,
    skipped,
  };
}
