/**
 * Deterministic fixture images built in TypeScript: tar layers (tar-stream + zlib), configs, manifests and
 * indexes, all content-addressed, so every run produces the same digests.
 *
 * Layers: see tar.ts for the tar; gzip with mtime 0.
 * JSON documents are indented (not canonical) on purpose, so a client that re-serializes a manifest before
 * hashing it computes a wrong digest and fails.
 */
import { createCipheriv, createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { MediaType } from './media-types.js';
import { buildTar, type LayerEntry } from './tar.js';

export { buildTar, type LayerEntry } from './tar.js';

/** A sha256 digest string. */
export type Digest = `sha256:${string}`;

/** An OCI platform. */
export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

/** An OCI content descriptor. */
export interface Descriptor {
  mediaType: string;
  digest: Digest;
  size: number;
  platform?: Platform;
  annotations?: Record<string, string>;
}

/** A content-addressed blob. */
export interface BlobData {
  digest: Digest;
  size: number;
  bytes: Buffer;
}

/** A built layer: the blob as stored in the registry and the uncompressed tar's digest. */
export interface BuiltLayer {
  compression: 'gzip' | 'none';
  blob: Buffer;
  digest: Digest;
  size: number;
  /** Digest of the uncompressed tar (the config's `rootfs.diff_ids` entry). */
  diffId: Digest;
  tar: Buffer;
}

/** An image manifest with its config and layers. */
export interface BuiltImage {
  kind: 'image';
  format: 'oci' | 'docker';
  mediaType: string;
  manifest: Buffer;
  manifestDigest: Digest;
  /** Descriptor of the manifest, with `platform` (and annotations, for attestations) as an index lists it. */
  descriptor: Descriptor;
  platform: Platform;
  config: { bytes: Buffer; descriptor: Descriptor };
  layers: Array<{ layer: BuiltLayer; descriptor: Descriptor }>;
  /** Config and layer blobs, config first. */
  blobs: BlobData[];
}

/** An OCI index or Docker manifest list with its child manifests. */
export interface BuiltIndex {
  kind: 'index';
  format: 'oci' | 'docker';
  mediaType: string;
  manifest: Buffer;
  manifestDigest: Digest;
  descriptor: Descriptor;
  /** Every child, in index order: the images, then the attestation manifest if any. */
  manifests: BuiltImage[];
  images: BuiltImage[];
  attestations: BuiltImage[];
}

/** Anything `pushImage` can push. */
export type BuiltArtifact = BuiltImage | BuiltIndex;

/** The fixed timestamp of every fixture. */
export const FIXTURE_CREATED = '1970-01-01T00:00:00Z';

/** `sha256:<hex>` of `bytes`. */
export function sha256(bytes: Uint8Array | string): Digest {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** Serializes a JSON document the way every fixture does (2-space indent, no trailing newline). */
export function jsonBytes(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value, null, 2));
}

/** `size` reproducible, incompressible bytes (AES-256-CTR of zeros keyed by `seed`), for big blobs. */
export function deterministicBytes(size: number, seed = 'ocipull'): Buffer {
  const key = createHash('sha256').update(seed).digest();
  const cipher = createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
  return Buffer.concat([cipher.update(Buffer.alloc(size)), cipher.final()]);
}

/** Parses `os/arch[/variant]`; objects pass through. */
export function parsePlatform(platform: string | Platform): Platform {
  if (typeof platform !== 'string') return platform;
  const [os, architecture, variant] = platform.split('/');
  if (!os || !architecture) throw new Error(`bad platform ${platform}`);
  return variant ? { os, architecture, variant } : { os, architecture };
}

/** `os/arch[/variant]`. */
export function formatPlatform(platform: Platform): string {
  return [platform.os, platform.architecture, platform.variant].filter(Boolean).join('/');
}

/** Builds a layer blob of `files` (gzip unless `compression: 'none'`). */
export async function buildLayer(
  files: Readonly<Record<string, LayerEntry>>,
  options: { compression?: 'gzip' | 'none' } = {},
): Promise<BuiltLayer> {
  const compression = options.compression ?? 'gzip';
  const tar = await buildTar(files);
  // zlib writes mtime 0 and a fixed OS byte in the gzip header, so the blob is as stable as the tar.
  const blob = compression === 'gzip' ? gzipSync(tar, { level: 6 }) : tar;
  return { compression, blob, digest: sha256(blob), size: blob.length, diffId: sha256(tar), tar };
}

function layerMediaType(format: 'oci' | 'docker', compression: 'gzip' | 'none'): string {
  if (format === 'oci') return compression === 'gzip' ? MediaType.ociLayerGzip : MediaType.ociLayer;
  return compression === 'gzip' ? MediaType.dockerLayerGzip : MediaType.dockerLayer;
}

/** Options of {@link buildImage}. */
export interface BuildImageOptions {
  format: 'oci' | 'docker';
  /** `os/arch[/variant]` (default `linux/amd64`). */
  platform?: string | Platform;
  /** Layers, bottom first (default: one layer with `etc/ocipull-platform`). */
  layers?: readonly BuiltLayer[];
  /** Merged into the config's runtime `config` object (Env, Cmd, Labels, …). */
  config?: Record<string, unknown>;
  /** Manifest annotations (OCI only). */
  annotations?: Record<string, string>;
}

/** Builds an image manifest, its config (which names the platform, so digests differ per platform) and layers. */
export async function buildImage(options: BuildImageOptions): Promise<BuiltImage> {
  const platform = parsePlatform(options.platform ?? 'linux/amd64');
  const name = formatPlatform(platform);
  const layers = options.layers ?? [await buildLayer({ 'etc/ocipull-platform': `${name}\n` })];
  const configDocument = {
    created: FIXTURE_CREATED,
    architecture: platform.architecture,
    ...(platform.variant ? { variant: platform.variant } : {}),
    os: platform.os,
    config: {
      Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
      Cmd: ['/bin/sh'],
      Labels: { 'org.ocipull.test.platform': name },
      ...options.config,
    },
    rootfs: { type: 'layers', diff_ids: layers.map((layer) => layer.diffId) },
    history: layers.map((_, i) => ({ created: FIXTURE_CREATED, created_by: `ocipull fixture layer ${i}` })),
  };
  return assembleImage({
    format: options.format,
    platform,
    configBytes: jsonBytes(configDocument),
    layers,
    ...(options.annotations ? { annotations: options.annotations } : {}),
  });
}

/** Input of {@link assembleImage}. */
export interface AssembleImageOptions {
  format: 'oci' | 'docker';
  platform: Platform;
  /** The config blob, verbatim. */
  configBytes: Buffer;
  layers: readonly BuiltLayer[];
  annotations?: Record<string, string>;
  /** Replace the generated layer descriptors (same order as `layers`). */
  layerDescriptors?: readonly Descriptor[];
}

/** Puts a config and layers together into a manifest (exported for odd fixtures: raw configs, artifacts). */
export function assembleImage(options: AssembleImageOptions): BuiltImage {
  const { format, platform, configBytes, layers, annotations, layerDescriptors } = options;
  const config = {
    bytes: configBytes,
    descriptor: {
      mediaType: format === 'oci' ? MediaType.ociConfig : MediaType.dockerConfig,
      digest: sha256(configBytes),
      size: configBytes.length,
    },
  };
  const builtLayers = layers.map((layer, i) => ({
    layer,
    descriptor: layerDescriptors?.[i] ?? {
      mediaType: layerMediaType(format, layer.compression),
      digest: layer.digest,
      size: layer.size,
    },
  }));
  if (annotations && format === 'docker') throw new Error('Docker v2 manifests have no annotations');
  const mediaType = format === 'oci' ? MediaType.ociManifest : MediaType.dockerManifest;
  const manifest = jsonBytes({
    schemaVersion: 2,
    mediaType,
    config: config.descriptor,
    layers: builtLayers.map((layer) => layer.descriptor),
    ...(annotations ? { annotations } : {}),
  });
  const manifestDigest = sha256(manifest);
  return {
    kind: 'image',
    format,
    mediaType,
    manifest,
    manifestDigest,
    descriptor: { mediaType, digest: manifestDigest, size: manifest.length, platform },
    platform,
    config,
    layers: builtLayers,
    blobs: [
      { digest: config.descriptor.digest, size: configBytes.length, bytes: configBytes },
      ...layers.map((layer) => ({ digest: layer.digest, size: layer.size, bytes: layer.blob })),
    ],
  };
}

/** A BuildKit-style provenance attestation manifest for `subject` (platform unknown/unknown). */
export function buildAttestation(subject: BuiltImage): BuiltImage {
  const predicateType = 'https://slsa.dev/provenance/v0.2';
  const statement = jsonBytes({
    _type: 'https://in-toto.io/Statement/v0.1',
    predicateType,
    subject: [
      {
        name: `pkg:docker/ocipull/fixture?platform=${encodeURIComponent(formatPlatform(subject.platform))}`,
        digest: { sha256: subject.manifestDigest.slice('sha256:'.length) },
      },
    ],
    predicate: { buildType: 'https://mobyproject.org/buildkit@v1', builder: { id: '' } },
  });
  const layer: BuiltLayer = {
    compression: 'none',
    blob: statement,
    digest: sha256(statement),
    size: statement.length,
    diffId: sha256(statement),
    tar: statement,
  };
  const platform = { os: 'unknown', architecture: 'unknown' };
  const config = jsonBytes({
    architecture: 'unknown',
    os: 'unknown',
    config: {},
    rootfs: { type: 'layers', diff_ids: [layer.diffId] },
  });
  const descriptor: Descriptor = {
    mediaType: MediaType.inToto,
    digest: layer.digest,
    size: layer.size,
    annotations: { 'in-toto.io/predicate-type': predicateType },
  };
  const image = assembleImage({
    format: 'oci',
    platform,
    configBytes: config,
    layers: [layer],
    layerDescriptors: [descriptor],
  });
  image.descriptor.annotations = {
    'vnd.docker.reference.digest': subject.manifestDigest,
    'vnd.docker.reference.type': 'attestation-manifest',
  };
  return image;
}

/** Options of {@link buildIndex}. */
export interface BuildIndexOptions {
  format: 'oci' | 'docker';
  images: readonly BuiltImage[];
  /** Add a BuildKit-style attestation manifest for the first image (OCI only). */
  attestation?: boolean;
  /** Index annotations (OCI only). */
  annotations?: Record<string, string>;
}

/** Builds an OCI index or a Docker manifest list over `images`. */
export function buildIndex(options: BuildIndexOptions): BuiltIndex {
  const { format, images } = options;
  if (images.some((image) => image.format !== format))
    throw new Error(`buildIndex: all images must be ${format}`);
  if (format === 'docker' && (options.attestation || options.annotations)) {
    throw new Error('buildIndex: attestations and annotations need the OCI format');
  }
  const attestations = options.attestation && images[0] ? [buildAttestation(images[0])] : [];
  const manifests = [...images, ...attestations];
  const mediaType = format === 'oci' ? MediaType.ociIndex : MediaType.dockerManifestList;
  const manifest = jsonBytes({
    schemaVersion: 2,
    mediaType,
    manifests: manifests.map((child) => child.descriptor),
    ...(options.annotations ? { annotations: options.annotations } : {}),
  });
  const manifestDigest = sha256(manifest);
  return {
    kind: 'index',
    format,
    mediaType,
    manifest,
    manifestDigest,
    descriptor: { mediaType, digest: manifestDigest, size: manifest.length },
    manifests,
    images: [...images],
    attestations,
  };
}

/** Every distinct blob of `artifact` (configs and layers of all children). */
export function blobsOf(artifact: BuiltArtifact): BlobData[] {
  const images = artifact.kind === 'index' ? artifact.manifests : [artifact];
  const byDigest = new Map<string, BlobData>();
  for (const image of images) for (const blob of image.blobs) byDigest.set(blob.digest, blob);
  return [...byDigest.values()];
}
