/**
 * A docker-archive as Docker before 25 writes it (moby `image/tarexport/save.go`): `<id>/layer.tar` (uncompressed),
 * `<id>/VERSION` and `<id>/json`, the config as `<hex>.json`, `manifest.json` and `repositories`; no index.json.
 */
import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pack as tarPack } from 'tar-stream';
import { buildTar } from '../helpers/tar.js';

/** What was written. */
export interface LegacyArchive {
  file: string;
  /** The config exactly as stored, and its digest. */
  config: Buffer;
  configDigest: string;
  /** Each layer's uncompressed tar as stored, in order. */
  layers: Buffer[];
}

/** Options of {@link writeLegacyArchive}. */
export interface LegacyArchiveOptions {
  /** `rootfs.diff_ids` as written into the config (default: the true sha256 of each layer). */
  diffIds?: string[];
  /** Store layer `i` as a symlink to layer `target` (Docker does this for a layer saved twice); a `target` past
   * the last layer makes a dangling link. */
  symlinks?: Record<number, number>;
  /** Layer contents as stored; default two small tars. */
  layers?: Buffer[];
  /** More images in manifest.json (their RepoTags), pointing at the same config and layers. */
  extraImages?: string[][];
  /** Written as manifest.json instead of the real one. */
  manifestJson?: unknown;
}

/** `sha256:<hex>` of the bytes. */
export function sha256(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** Two distinct layer tars: a file, then a second file and a directory. */
export async function defaultLayers(): Promise<Buffer[]> {
  return [
    await buildTar({ 'etc/hello': 'hello from layer one\n', 'bin/tool': Buffer.alloc(20_000, 7) }),
    await buildTar({ 'srv/app/data.txt': 'x'.repeat(100_000), 'var/empty/': { type: 'dir' } }),
  ];
}

/** Writes `dir/NAME` and returns what it holds. */
export async function writeLegacyArchive(
  dir: string,
  name: string,
  opts: LegacyArchiveOptions = {},
): Promise<LegacyArchive> {
  const layers = opts.layers ?? (await defaultLayers());
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      created: '2024-01-01T00:00:00Z',
      config: { Cmd: ['/bin/tool'], Env: ['PATH=/bin'] },
      rootfs: { type: 'layers', diff_ids: opts.diffIds ?? layers.map(sha256) },
      history: layers.map((_, i) => ({ created: '2024-01-01T00:00:00Z', created_by: `step ${i}` })),
    }),
  );
  const configDigest = sha256(config);
  const ids = layers.map((_, i) => createHash('sha256').update(`layer ${i}`).digest('hex'));
  const mtime = new Date(0);
  const entries: { name: string; body?: Buffer; linkname?: string }[] = [];
  for (const [i, layer] of layers.entries()) {
    const link = opts.symlinks?.[i];
    entries.push({ name: `${ids[i]}/VERSION`, body: Buffer.from('1.0') });
    entries.push({ name: `${ids[i]}/json`, body: Buffer.from(JSON.stringify({ id: ids[i] })) });
    if (link === undefined) entries.push({ name: `${ids[i]}/layer.tar`, body: layer });
    else entries.push({ name: `${ids[i]}/layer.tar`, linkname: `../${ids[link] ?? 'missing'}/layer.tar` });
  }
  const hex = configDigest.slice('sha256:'.length);
  entries.push({ name: `${hex}.json`, body: config });
  const images = [['team/app:v1'], ...(opts.extraImages ?? [])];
  const manifest = images.map((RepoTags) => ({
    Config: `${hex}.json`,
    RepoTags,
    Layers: ids.map((id) => `${id}/layer.tar`),
  }));
  entries.push({ name: 'manifest.json', body: Buffer.from(JSON.stringify(opts.manifestJson ?? manifest)) });
  entries.push({
    name: 'repositories',
    body: Buffer.from(JSON.stringify({ 'team/app': { v1: ids[ids.length - 1] } })),
  });

  const pack = tarPack();
  const chunks: Buffer[] = [];
  pack.on('data', (c) => chunks.push(c as Buffer));
  const done = new Promise<void>((resolve, reject) => {
    pack.on('end', resolve);
    pack.on('error', reject);
  });
  for (const e of entries) {
    await new Promise<void>((resolve, reject) => {
      const cb = (err?: Error | null) => (err ? reject(err) : resolve());
      if (e.linkname !== undefined) {
        pack.entry({ name: e.name, type: 'symlink', linkname: e.linkname, mtime }, cb);
      } else {
        pack.entry({ name: e.name, size: e.body!.length, mtime, mode: 0o644 }, e.body!, cb);
      }
    });
  }
  pack.finalize();
  await done;
  const file = join(dir, name);
  await writeFile(file, Buffer.concat(chunks));
  return { file, config, configDigest, layers };
}
