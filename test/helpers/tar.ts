/**
 * Deterministic tar archives for fixture layers: entries sorted by name, parent directories added, mtime 0,
 * uid/gid 0, empty uname/gname, so the same files always give the same bytes.
 */
import { pack as tarPack } from 'tar-stream';

/** One layer entry: a file's content, or an explicit file, directory or link. Keys ending in '/' are directories. */
export type LayerEntry =
  | string
  | Buffer
  | { type: 'file'; content: string | Buffer; mode?: number }
  | { type: 'dir'; mode?: number }
  | { type: 'symlink'; target: string }
  | { type: 'hardlink'; target: string };

type TarHeader = Parameters<ReturnType<typeof tarPack>['entry']>[0];

function normalizePath(path: string): string {
  return path.replace(/^(\.\/|\/)+/, '');
}

/** Builds an uncompressed, deterministic tar of `files`; see the module doc. */
export async function buildTar(files: Readonly<Record<string, LayerEntry>>): Promise<Buffer> {
  const entries = new Map<string, { header: TarHeader; content?: Buffer }>();
  const base = { uid: 0, gid: 0, uname: '', gname: '', mtime: new Date(0) };
  const addDir = (dir: string, mode = 0o755) => {
    const name = `${dir}/`;
    if (!entries.has(name)) entries.set(name, { header: { ...base, name, type: 'directory', mode } });
  };
  for (const [rawPath, entry] of Object.entries(files)) {
    const path = normalizePath(rawPath);
    const isDir =
      path.endsWith('/') || (typeof entry === 'object' && !Buffer.isBuffer(entry) && entry.type === 'dir');
    const name = path.replace(/\/+$/, '');
    if (name === '') throw new Error(`bad layer path ${rawPath}`);
    const parts = name.split('/');
    for (let i = 1; i < parts.length; i++) addDir(parts.slice(0, i).join('/'));
    if (isDir) {
      entries.delete(`${name}/`);
      addDir(
        name,
        typeof entry === 'object' && !Buffer.isBuffer(entry) && 'mode' in entry ? entry.mode : undefined,
      );
      continue;
    }
    if (typeof entry === 'string' || Buffer.isBuffer(entry)) {
      const content = Buffer.from(entry);
      entries.set(name, {
        header: { ...base, name, type: 'file', mode: 0o644, size: content.length },
        content,
      });
    } else if (entry.type === 'file') {
      const content = Buffer.from(entry.content);
      const header: TarHeader = {
        ...base,
        name,
        type: 'file',
        mode: entry.mode ?? 0o644,
        size: content.length,
      };
      entries.set(name, { header, content });
    } else if (entry.type === 'symlink' || entry.type === 'hardlink') {
      const type = entry.type === 'symlink' ? 'symlink' : 'link';
      entries.set(name, { header: { ...base, name, type, mode: 0o777, linkname: entry.target } });
    }
  }

  const pack = tarPack();
  const chunks: Buffer[] = [];
  const done = new Promise<void>((resolve, reject) => {
    pack.on('data', (chunk) => chunks.push(chunk as Buffer));
    pack.on('end', resolve);
    pack.on('error', reject);
  });
  const names = [...entries.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  for (const name of names) {
    const { header, content } = entries.get(name)!;
    await new Promise<void>((resolve, reject) => {
      const callback = (err?: Error | null) => (err ? reject(err) : resolve());
      if (content) pack.entry(header, content, callback);
      else pack.entry(header, callback);
    });
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}
