/**
 * Fixtures for archive tests: real OCI layouts, built by hand or pulled in-process from the fake registry, and a
 * tar reader for what the writers produce.
 */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { extract, type Header } from 'tar-stream';
import { afterEach } from 'vitest';
import { runCli } from '../cli/capture.js';
import type { FaultRegistry } from '../fakes/fault-registry.js';
import { OCI_INDEX, OCI_MANIFEST } from '../fakes/image.js';
import { buildTar, type LayerEntry } from '../helpers/tar.js';

export const REF_NAME = 'org.opencontainers.image.ref.name';
export const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
export const OCI_LAYER_GZIP = 'application/vnd.oci.image.layer.v1.tar+gzip';
export const OCI_LAYER_TAR = 'application/vnd.oci.image.layer.v1.tar';

export function sha256(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

export function hexOf(digest: string): string {
  return digest.slice('sha256:'.length);
}

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

/** Registers cleanup work for the end of the current test. */
export function onCleanup(fn: () => Promise<unknown>): void {
  cleanups.push(fn);
}

export async function tempDir(prefix = 'ocipull-archive-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  onCleanup(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** A layer: its blob (gzip or plain tar) and the diff ID of the uncompressed tar. */
export interface Layer {
  bytes: Buffer;
  diffId: string;
  mediaType: string;
}

export async function makeLayer(files: Record<string, LayerEntry>, compress = true): Promise<Layer> {
  const tar = await buildTar(files);
  return compress
    ? { bytes: gzipSync(tar, { level: 9 }), diffId: sha256(tar), mediaType: OCI_LAYER_GZIP }
    : { bytes: tar, diffId: sha256(tar), mediaType: OCI_LAYER_TAR };
}

/** An image config whose `rootfs.diff_ids` match `layers`, as docker load and skopeo require. */
export function configFor(layers: readonly Layer[], arch = 'amd64', variant?: string): Buffer {
  return Buffer.from(
    JSON.stringify({
      architecture: arch,
      os: 'linux',
      ...(variant ? { variant } : {}),
      created: '2024-01-02T03:04:05Z',
      config: { Env: ['PATH=/usr/bin'], Cmd: ['/bin/sh'] },
      rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
      history: layers.map(() => ({ created_by: 'test' })),
    }),
  );
}

/** What a hand-made image in a layout consists of. */
export interface BuiltImage {
  name: string;
  manifest: Buffer;
  manifestDigest: string;
  configDigest: string;
  layerDigests: string[];
  diffIds: string[];
}

async function putBlob(dir: string, bytes: Buffer): Promise<string> {
  const digest = sha256(bytes);
  await writeFile(join(dir, 'blobs', 'sha256', hexOf(digest)), bytes);
  return digest;
}

/**
 * Writes an OCI layout by hand: one image manifest per entry of `images`, each named by `ref.name`. Layer blobs
 * shared between images are stored once, as in a real layout.
 */
export async function makeLayout(
  dir: string,
  images: readonly { name: string; layers: readonly Layer[]; arch?: string }[],
): Promise<BuiltImage[]> {
  await mkdir(join(dir, 'blobs', 'sha256'), { recursive: true });
  await writeFile(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  const built: BuiltImage[] = [];
  const manifests: unknown[] = [];
  for (const image of images) {
    const config = configFor(image.layers, image.arch);
    const configDigest = await putBlob(dir, config);
    const layerDigests: string[] = [];
    for (const layer of image.layers) layerDigests.push(await putBlob(dir, layer.bytes));
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_MANIFEST,
        config: { mediaType: OCI_CONFIG, digest: configDigest, size: config.length },
        layers: image.layers.map((l, i) => ({
          mediaType: l.mediaType,
          digest: layerDigests[i],
          size: l.bytes.length,
        })),
      }),
    );
    const manifestDigest = await putBlob(dir, manifest);
    manifests.push({
      mediaType: OCI_MANIFEST,
      digest: manifestDigest,
      size: manifest.length,
      annotations: { [REF_NAME]: image.name },
    });
    built.push({
      name: image.name,
      manifest,
      manifestDigest,
      configDigest,
      layerDigests,
      diffIds: image.layers.map((l) => l.diffId),
    });
  }
  await writeFile(
    join(dir, 'index.json'),
    JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests }),
  );
  return built;
}

/** Pushes an image with real tar layers and matching diff_ids to the fake registry. */
export async function pushImage(
  reg: FaultRegistry,
  repo: string,
  tag: string | null,
  layers: readonly Layer[],
  arch = 'amd64',
  variant?: string,
) {
  const config = configFor(layers, arch, variant);
  const configDesc = reg.addBlob(repo, config);
  const layerDescs = layers.map((l) => ({ mediaType: l.mediaType, ...reg.addBlob(repo, l.bytes) }));
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: { mediaType: OCI_CONFIG, ...configDesc },
    layers: layerDescs,
  });
  return {
    manifest,
    config: configDesc,
    layers: layerDescs,
    ...reg.addManifest(repo, tag, manifest, OCI_MANIFEST),
  };
}

/** Pushes an index of amd64 and arm/v7 images (real layers) plus a BuildKit attestation entry. */
export async function pushIndex(reg: FaultRegistry, repo: string, tag: string) {
  const amd64 = await pushImage(reg, repo, null, [await makeLayer({ 'etc/arch': 'amd64\n' })], 'amd64');
  const arm = await pushImage(reg, repo, null, [await makeLayer({ 'etc/arch': 'arm\n' })], 'arm', 'v7');
  const att = await pushImage(reg, repo, null, [await makeLayer({ 'sbom.json': '{}' })], 'unknown');
  const index = JSON.stringify({
    schemaVersion: 2,
    mediaType: OCI_INDEX,
    manifests: [
      {
        mediaType: OCI_MANIFEST,
        digest: amd64.digest,
        size: amd64.size,
        platform: { architecture: 'amd64', os: 'linux' },
      },
      {
        mediaType: OCI_MANIFEST,
        digest: arm.digest,
        size: arm.size,
        platform: { architecture: 'arm', os: 'linux', variant: 'v7' },
      },
      {
        mediaType: OCI_MANIFEST,
        digest: att.digest,
        size: att.size,
        platform: { architecture: 'unknown', os: 'unknown' },
        annotations: {
          'vnd.docker.reference.type': 'attestation-manifest',
          'vnd.docker.reference.digest': amd64.digest,
        },
      },
    ],
  });
  return { amd64, arm, att, ...reg.addManifest(repo, tag, index, OCI_INDEX) };
}

/** Runs `ocipull pull` in-process with a throwaway HOME; fails the test on a non-zero exit. */
export async function pullInto(ref: string, dest: string, args: string[] = []): Promise<void> {
  const home = await tempDir('ocipull-home-');
  const r = await runCli(['pull', '--json', '--progress=none', '--retries', '1', ...args, ref, dest], {
    env: {
      HOME: home,
      DOCKER_CONFIG: join(home, '.docker'),
      XDG_RUNTIME_DIR: join(home, 'run'),
      PATH: process.env.PATH,
    },
  });
  if (r.code !== 0) throw new Error(`pull ${ref} exited ${r.code}: ${r.stderr}`);
}

/** One member of a tar, with its content. */
export interface TarMember {
  header: Header;
  content: Buffer;
}

/** Parses a whole tar with tar-stream's extract. */
export async function readTar(tar: Buffer): Promise<TarMember[]> {
  const ex = extract();
  const members: TarMember[] = [];
  const reading = (async () => {
    for await (const entry of ex) {
      const chunks: Buffer[] = [];
      for await (const chunk of entry) chunks.push(chunk as Buffer);
      members.push({ header: entry.header, content: Buffer.concat(chunks) });
    }
  })();
  ex.end(tar);
  await reading;
  return members;
}

export async function readTarFile(file: string): Promise<TarMember[]> {
  return readTar(await readFile(file));
}

/** A writable that keeps everything written to it; `ended` tells whether anyone called `end()`. */
export class Collector extends Writable {
  chunks: Buffer[] = [];
  ended = false;

  constructor(opts: { highWaterMark?: number } = {}) {
    super(opts);
    this.on('finish', () => {
      this.ended = true;
    });
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.chunks.push(chunk);
    cb();
  }

  get bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }
}
