/**
 * Three layers that exercise whiteouts, opaque directories, replacement and links (PROTOCOL.md §9), shared by the
 * behaviour tests and the comparison with umoci.
 */
import { buildTar, T0, type TarSpec } from './tar-fixtures.js';

const T1 = T0 + 3600;
const T2 = T0 + 7200;

/** Layer 1: the base tree. */
export const layer1: TarSpec[] = [
  { name: './', mode: 0o755 },
  { name: 'bin/' },
  { name: 'bin/su', content: 'su', mode: 0o4755 },
  { name: 'data/' },
  { name: 'data/orig', content: 'hello' },
  { name: 'del/' },
  { name: 'del/x', content: 'x' },
  { name: 'del/sub/' },
  { name: 'del/sub/y', content: 'y' },
  { name: 'delfile', content: 'gone' },
  { name: 'dev/' },
  { name: 'dev/null', type: 'character-device', devmajor: 1, devminor: 3, mode: 0o666 },
  { name: 'dev/loop0', type: 'block-device', devmajor: 7, devminor: 0, mode: 0o660 },
  { name: 'etc/' },
  { name: 'etc/hosts', content: '127.0.0.1 localhost\n' },
  { name: 'etc/passwd', content: 'root:x:0:0:root:/root:/bin/sh\n' },
  { name: 'fifo', type: 'fifo', mode: 0o640 },
  { name: 'lib64', type: 'symlink', linkname: '/usr/lib64' },
  { name: 'opq/', mode: 0o750 },
  { name: 'opq/a', content: 'a' },
  { name: 'opq/sub/' },
  { name: 'opq/sub/b', content: 'b' },
  { name: 'recreate', content: 'v1' },
  { name: 'rel-link', type: 'symlink', linkname: '../etc/hosts' },
  { name: 'replace-dir/' },
  { name: 'replace-dir/f', content: 'f' },
  { name: 'replace-file', content: 'file' },
  { name: 'ro/', mode: 0o555 },
  { name: 'ro/file', content: 'ro', mode: 0o444 },
  { name: 'sticky/', mode: 0o1777 },
  { name: 'usr/' },
  { name: 'usr/lib64/' },
  { name: 'usr/lib64/libc.so.6', content: 'libc', mode: 0o755 },
];

/** Layer 2: hardlinks to lower files, whiteouts (one after the layer's own entry), an opaque directory. */
export const layer2: TarSpec[] = [
  { name: 'data/', mtime: T1 },
  { name: 'data/link', type: 'link', linkname: 'data/orig' },
  { name: 'data/abs-link', type: 'link', linkname: '/data/orig' },
  { name: '.wh.delfile' },
  { name: '.wh.del' },
  { name: 'etc/', mtime: T1 },
  { name: 'etc/.wh.hosts' },
  { name: 'opq/', mode: 0o700, mtime: T1 },
  { name: 'opq/new', content: 'new' },
  { name: 'opq/sub/' },
  { name: 'opq/sub/c', content: 'c' },
  // After the layer's own entries: it must still spare them.
  { name: 'opq/.wh..wh..opq' },
  { name: '.wh.recreate' },
  { name: 'samelayer', content: 'kept' },
  { name: '.wh.samelayer' },
  { name: 'replace-dir', content: 'now a file', mtime: T1 },
  { name: 'replace-file/', mtime: T1 },
  { name: 'replace-file/inner', content: 'inner' },
  { name: 'ro/', mode: 0o555, mtime: T1 },
  { name: 'ro/new', content: 'written into a read-only dir' },
  { name: '.wh..wh.plnk/' },
  { name: 'usr/', mtime: T1 },
  { name: 'usr/lib64/', mtime: T1 },
  { name: 'usr/lib64/libc.so.6', content: 'libc v2', mode: 0o755, mtime: T1 },
];

/** Layer 3: deletes the hardlinks' original (the links survive), re-creates a deleted file. */
export const layer3: TarSpec[] = [
  { name: 'data/', mtime: T2 },
  { name: 'data/.wh.orig' },
  { name: 'recreate', content: 'v3', mtime: T2 },
  { name: 'symlink-to-dir', type: 'symlink', linkname: '/usr/lib64', mtime: T2 },
];

/** The three layer tars. */
export async function whiteoutLayers(): Promise<[Buffer, Buffer, Buffer]> {
  return [await buildTar(layer1), await buildTar(layer2), await buildTar(layer3)];
}
