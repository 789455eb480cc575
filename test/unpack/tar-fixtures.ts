/**
 * Building layer tars and OCI layouts by hand for the unpack tests: entries in the order given (whiteout tests
 * depend on order), fixed mtimes and owners, so the same spec always gives the same bytes and digests.
 */
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { pack as tarPack } from 'tar-stream';

/** A fixed, realistic mtime (2023-11-14T22:13:20Z) used when a spec gives none. */
export const T0 = 1_700_000_000;

/** One tar entry; `type` defaults to a regular file (or a directory when the name ends in '/'). */
export interface TarSpec {
  name: string;
  type?: 'file' | 'directory' | 'symlink' | 'link' | 'fifo' | 'character-device' | 'block-device';
  content?: string | Buffer;
  mode?: number;
  mtime?: number;
  uid?: number;
  gid?: number;
  linkname?: string;
  devmajor?: number;
  devminor?: number;
  pax?: Record<string, string>;
}

type PackHeader = Parameters<ReturnType<typeof tarPack>['entry']>[0];

/** Builds an uncompressed tar of `specs`, in order. */
export async function buildTar(specs: readonly TarSpec[]): Promise<Buffer> {
  const pack = tarPack();
  const chunks: Buffer[] = [];
  const done = new Promise<void>((resolve, reject) => {
    pack.on('data', (chunk) => {
      chunks.push(chunk as Buffer);
    });
    pack.on('end', () => resolve());
    pack.on('error', reject);
  });
  for (const spec of specs) {
    const type = spec.type ?? (spec.name.endsWith('/') ? 'directory' : 'file');
    const content = type === 'file' ? Buffer.from(spec.content ?? '') : undefined;
    const header: PackHeader = {
      name: spec.name,
      type,
      mode: spec.mode ?? (type === 'directory' ? 0o755 : type === 'symlink' ? 0o777 : 0o644),
      mtime: new Date((spec.mtime ?? T0) * 1000),
      uid: spec.uid ?? 0,
      gid: spec.gid ?? 0,
      uname: '',
      gname: '',
      size: content?.length ?? 0,
      linkname: spec.linkname ?? '',
      devmajor: spec.devmajor ?? 0,
      devminor: spec.devminor ?? 0,
      ...(spec.pax ? { pax: spec.pax } : {}),
    };
    await new Promise<void>((resolve, reject) => {
      const cb = (err?: Error | null) => (err ? reject(err) : resolve());
      if (content) pack.entry(header, content, cb);
      else pack.entry(header, cb);
    });
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

/** `sha256:<hex>` of some bytes. */
export function sha256(bytes: Uint8Array): `sha256:${string}` {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** How a layer is stored in the layout. */
export type Compression = 'gzip' | 'none';

/** A layer to put in a layout: its uncompressed tar, how to store it, and optional overrides for bad layouts. */
export interface LayerSpec {
  tar: Buffer;
  compression?: Compression;
  /** Store these bytes instead of the compressed tar (corruption tests). */
  blob?: Buffer;
  mediaType?: string;
  /** Put this diff ID in the config instead of the real one. */
  diffId?: string;
}

const LAYER_TYPES: Record<Compression, string> = {
  gzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  none: 'application/vnd.oci.image.layer.v1.tar',
};

/** What `writeLayout` wrote. */
export interface WrittenLayout {
  manifest: string;
  layers: { digest: string; diffId: string }[];
}

async function writeBlob(dir: string, bytes: Buffer): Promise<{ digest: string; size: number }> {
  const digest = sha256(bytes);
  await writeFile(join(dir, 'blobs', 'sha256', digest.slice(7)), bytes);
  return { digest, size: bytes.length };
}

/** A layer given as an already written blob (for large, streamed layers). */
export interface WrittenLayer {
  descriptor: { mediaType: string; digest: string; size: number };
  diffId: string;
}

/** A descriptor as written to a manifest or index. */
export interface BlobDescriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: { os: string; architecture: string; variant?: string };
  annotations?: Record<string, string>;
}

/** Creates the layout skeleton (`oci-layout`, `blobs/sha256/`). */
export async function initLayoutDir(dir: string): Promise<void> {
  await mkdir(join(dir, 'blobs', 'sha256'), { recursive: true });
  await writeFile(join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
}

/** Writes the blobs of one image (layers, config, manifest) and returns the manifest's descriptor. */
export async function writeImage(
  dir: string,
  layers: readonly (LayerSpec | WrittenLayer)[],
  architecture = 'amd64',
): Promise<{ manifest: BlobDescriptor; layers: { digest: string; diffId: string }[] }> {
  const descriptors: { mediaType: string; digest: string; size: number }[] = [];
  const diffIds: string[] = [];
  for (const layer of layers) {
    if ('descriptor' in layer) {
      descriptors.push(layer.descriptor);
      diffIds.push(layer.diffId);
      continue;
    }
    const compression = layer.compression ?? 'gzip';
    const stored = layer.blob ?? (compression === 'gzip' ? gzipSync(layer.tar, { level: 9 }) : layer.tar);
    const { digest, size } = await writeBlob(dir, stored);
    descriptors.push({ mediaType: layer.mediaType ?? LAYER_TYPES[compression], digest, size });
    diffIds.push(layer.diffId ?? sha256(layer.tar));
  }
  const config = Buffer.from(
    JSON.stringify({
      created: '2023-11-14T22:13:20Z',
      architecture,
      os: 'linux',
      config: {},
      rootfs: { type: 'layers', diff_ids: diffIds },
      history: descriptors.map(() => ({ created_by: 'ocipull unpack test' })),
    }),
  );
  const configDesc = await writeBlob(dir, config);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...configDesc },
      layers: descriptors,
    }),
  );
  const manifestDesc = await writeBlob(dir, manifest);
  return {
    manifest: { mediaType: 'application/vnd.oci.image.manifest.v1+json', ...manifestDesc },
    layers: descriptors.map((d, i) => ({ digest: d.digest, diffId: diffIds[i]! })),
  };
}

/** Writes an image index blob listing `manifests` and returns its descriptor. */
export async function writeIndexBlob(
  dir: string,
  manifests: readonly BlobDescriptor[],
): Promise<BlobDescriptor> {
  const index = Buffer.from(
    JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests }),
  );
  return { mediaType: 'application/vnd.oci.image.index.v1+json', ...(await writeBlob(dir, index)) };
}

/** Writes `index.json` with `entries`, each named by its `ref.name`. */
export async function writeIndexJson(
  dir: string,
  entries: readonly { descriptor: BlobDescriptor; name?: string }[],
): Promise<void> {
  const manifests = entries.map(({ descriptor, name }) =>
    name === undefined
      ? descriptor
      : { ...descriptor, annotations: { 'org.opencontainers.image.ref.name': name } },
  );
  await writeFile(
    join(dir, 'index.json'),
    JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests }),
  );
}

/**
 * Writes an OCI layout at `dir` holding one image made of `layers`, named `name` in `index.json` (the layout
 * umoci and skopeo read).
 */
export async function writeLayout(
  dir: string,
  layers: readonly (LayerSpec | WrittenLayer)[],
  name = 'latest',
): Promise<WrittenLayout> {
  await initLayoutDir(dir);
  const image = await writeImage(dir, layers);
  await writeIndexJson(dir, [{ descriptor: image.manifest, name }]);
  return { manifest: image.manifest.digest, layers: image.layers };
}
