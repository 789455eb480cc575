/**
 * Reading a docker-archive that Docker before 25 wrote (moby `image/tarexport`: `manifest.json`, a `<hex>.json`
 * config, uncompressed `<id>/layer.tar` layers, no OCI index) as a Docker v2 image, as skopeo's docker/tarfile source
 * does (containers/image `docker/internal/tarfile/source.go`). A registry wants compressed layers, and a manifest
 * names each layer by the digest of its compressed bytes, so opening the archive compresses every layer once, only to
 * hash and count it, and checks the tar against the config's `rootfs.diff_ids` on the way; `blob()` then compresses
 * it again, identically (`gzip-layer.ts`). The archive is read in place, never extracted, never whole in memory.
 */
import { Readable } from 'node:stream';
import { openTarMember, readTarMember, type TarMember } from '../archive/index.js';
import { IntegrityError, OcipullError } from '../errors.js';
import { MAX_DOCUMENT } from '../oci/layout/index.js';
import {
  type Descriptor,
  type Digest,
  DOCKER_CONFIG,
  DOCKER_LAYER_GZIP,
  DOCKER_MANIFEST,
  type DockerArchiveManifest,
  DockerArchiveManifestSchema,
  ImageConfigSchema,
  isDigest,
  parseManifest,
  sha256Digest,
} from '../oci/types/index.js';
import {
  gzipLayer,
  isGzip,
  isZstd,
  type LayerDigests,
  measureGzipLayer,
  measureGzippedLayer,
} from './gzip-layer.js';
import { Limiter } from './limiter.js';
import type { BlobRef, ImageSource, SourceBlob, SourceManifest } from './types.js';

/** Layers hashed at once when the archive is opened (each is a read of the file plus a gzip pass). */
const MEASURE_JOBS = 4;

/** One layer as it is pushed. */
interface Layer extends LayerDigests {
  member: TarMember;
  /** The member is gzip already and is served as stored. */
  stored: boolean;
}

/** Options of {@link DockerArchiveSource.open}. */
export interface DockerArchiveOptions {
  /** `name:tag` of the image to read, from the RepoTags; needed only when the archive holds several. */
  repoTag?: string | undefined;
  /** Stops the hashing at open time. */
  signal?: AbortSignal | undefined;
}

/** A Docker-before-25 archive as an `ImageSource`: a Docker v2 image with gzip layers; see the module doc. */
export class DockerArchiveSource implements ImageSource {
  readonly name: string;
  readonly #file: string;
  readonly #manifest: SourceManifest;
  readonly #config: { digest: Digest; bytes: Buffer };
  readonly #layers: Map<Digest, Layer>;

  private constructor(file: string, label: string, config: Buffer, layers: Layer[]) {
    this.#file = file;
    this.name = label;
    this.#config = { digest: sha256Digest(config), bytes: config };
    this.#layers = new Map(layers.map((l) => [l.digest, l]));
    const bytes = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: DOCKER_MANIFEST,
        config: { mediaType: DOCKER_CONFIG, size: config.length, digest: this.#config.digest },
        layers: layers.map((l) => ({ mediaType: DOCKER_LAYER_GZIP, size: l.size, digest: l.digest })),
      }),
    );
    this.#manifest = {
      bytes,
      digest: sha256Digest(bytes),
      mediaType: DOCKER_MANIFEST,
      parsed: parseManifest(bytes),
    };
  }

  /**
   * Opens `file`, whose members `indexTar` listed: reads `manifest.json` and the config, and hashes every layer
   * (the uncompressed tar must hash to its `rootfs.diff_ids` entry, or this throws `IntegrityError`).
   */
  static async open(
    file: string,
    members: Map<string, TarMember>,
    label: string,
    opts: DockerArchiveOptions = {},
  ): Promise<DockerArchiveSource> {
    const fail = (code: 'E_IO' | 'E_MANIFEST_INVALID' | 'E_UNSUPPORTED', what: string) =>
      new OcipullError(code, `read ${label}: ${what}`, {
        hint: 'a docker-archive is what docker save writes: manifest.json, the config and the layers',
      });
    const member = (path: string, what: string): TarMember => {
      const m = members.get(path.replace(/^(\.\/)+/, ''));
      if (!m) throw fail('E_IO', `${what} ${JSON.stringify(path)} is missing from the archive`);
      return m;
    };
    const document = async <T>(path: string, what: string, schema: Schema<T>) => {
      const bytes = await readTarMember(file, member(path, what), MAX_DOCUMENT, path);
      let value: unknown;
      try {
        value = JSON.parse(bytes.toString('utf8'));
      } catch (err) {
        throw fail('E_MANIFEST_INVALID', `${path} is not valid JSON: ${(err as Error).message}`);
      }
      const result = schema.safeParse(value);
      if (result.success) return { bytes, data: result.data };
      const issue = result.error.issues[0];
      throw fail(
        'E_MANIFEST_INVALID',
        `${path}: ${issue?.path.join('.') || '(document)'}: ${issue?.message}`,
      );
    };

    const list = await document('manifest.json', 'manifest.json', DockerArchiveManifestSchema);
    const image = chooseImage(list.data, opts.repoTag, label);
    const config = await document(image.Config, 'config', ImageConfigSchema);
    const diffIds = config.data.rootfs.diff_ids;
    if (diffIds.length !== image.Layers.length) {
      throw fail(
        'E_MANIFEST_INVALID',
        `manifest.json lists ${image.Layers.length} layers but the config's rootfs.diff_ids has ${diffIds.length}`,
      );
    }
    const odd = diffIds.find((d) => !isDigest(d));
    if (odd) throw fail('E_UNSUPPORTED', `config ${image.Config}: diff_id ${odd} is not a sha256 digest`);

    // Layers are hashed a few at a time, each path once (a layer can repeat); the first failure stops the rest.
    const stop = new AbortController();
    const signal = opts.signal ? AbortSignal.any([opts.signal, stop.signal]) : stop.signal;
    const limiter = new Limiter(MEASURE_JOBS);
    const measured = new Map<string, Promise<Layer>>();
    for (const path of image.Layers) {
      const m = member(path, 'layer');
      if (measured.has(path)) continue;
      const job = limiter.run(() => measureLayer(file, m, path, label, signal), signal);
      job.catch(() => undefined);
      measured.set(path, job);
    }
    const layers: Layer[] = [];
    try {
      for (const [i, path] of image.Layers.entries()) {
        const layer = await measured.get(path)!.catch((err: unknown) => {
          if (opts.signal?.aborted) throw new OcipullError('E_INTERRUPTED', `read ${label}: interrupted`);
          throw err;
        });
        if (layer.diffId !== diffIds[i]) {
          throw new IntegrityError(
            `read ${label}: layer ${path} hashes to ${layer.diffId}, but the config's rootfs.diff_ids[${i}] is ${diffIds[i]}: the archive is damaged or was altered`,
            { digest: diffIds[i]! },
            { digest: layer.diffId, size: layer.member.size },
          );
        }
        layers.push(layer);
      }
    } finally {
      stop.abort();
    }
    return new DockerArchiveSource(file, label, config.bytes, layers);
  }

  async top(): Promise<SourceManifest> {
    return this.#manifest;
  }

  async manifest(desc: Descriptor): Promise<SourceManifest> {
    if (desc.digest === this.#manifest.digest) return this.#manifest;
    throw new OcipullError('E_NOT_FOUND', `read ${this.name}: no manifest ${desc.digest} in the archive`);
  }

  /** Config bytes from `offset`; a layer from `offset` as stored, or compressed again from its start. */
  async blob(desc: BlobRef, offset: number): Promise<SourceBlob> {
    if (desc.digest === this.#config.digest) {
      return { body: Readable.from([this.#config.bytes.subarray(offset)]), start: offset };
    }
    const layer = this.#layers.get(desc.digest);
    if (!layer)
      throw new OcipullError('E_NOT_FOUND', `read ${this.name}: no blob ${desc.digest} in the archive`);
    if (layer.stored) return { body: openTarMember(this.#file, layer.member, offset), start: offset };
    // A gzip stream cannot be entered in the middle: compress from the start; the reader skips what it had.
    return { body: gzipLayer(openTarMember(this.#file, layer.member)), start: 0 };
  }

  async blobBytes(desc: BlobRef): Promise<Buffer> {
    if (desc.digest === this.#config.digest) return this.#config.bytes;
    throw new OcipullError('E_NOT_FOUND', `read ${this.name}: no config ${desc.digest} in the archive`);
  }

  async close(): Promise<void> {}
}

type ArchiveEntry = DockerArchiveManifest[number];

/** The part of a zod schema used here (copy does not import zod). */
interface Schema<T> {
  safeParse(
    value: unknown,
  ):
    | { success: true; data: T }
    | { success: false; error: { issues: readonly { path: readonly PropertyKey[]; message: string }[] } };
}

/** The image the source reads: the only one, or the one whose RepoTags hold `repoTag`. */
function chooseImage(entries: ArchiveEntry[], repoTag: string | undefined, label: string): ArchiveEntry {
  const tags = entries.flatMap((e) => e.RepoTags ?? []);
  const available = tags.length > 0 ? tags.sort().join(', ') : 'no tags';
  if (repoTag !== undefined) {
    const found = entries.find((e) => e.RepoTags?.includes(repoTag));
    if (found) return found;
    throw new OcipullError(
      'E_NOT_FOUND',
      `read ${label}: no image tagged ${repoTag}; available: ${available}`,
    );
  }
  if (entries.length === 1) return entries[0]!;
  if (entries.length === 0)
    throw new OcipullError('E_NOT_FOUND', `read ${label}: manifest.json lists no image`);
  throw new OcipullError(
    'E_USAGE',
    `read ${label}: the archive holds ${entries.length} images (${available}); say which`,
    { hint: 'ocipull pushes archives of one image: docker save NAME:TAG > FILE' },
  );
}

/** Hashes one layer member: passes a gzip one through, compresses an uncompressed tar, refuses zstd. */
async function measureLayer(
  file: string,
  m: TarMember,
  path: string,
  label: string,
  signal: AbortSignal | undefined,
): Promise<Layer> {
  const head = await readTarMember(file, { offset: m.offset, size: Math.min(m.size, 4) }, 4, path);
  if (isZstd(head)) {
    throw new OcipullError('E_UNSUPPORTED', `read ${label}: layer ${path} is zstd, not a tar or gzip`);
  }
  const stored = isGzip(head);
  try {
    const digests = await (stored ? measureGzippedLayer : measureGzipLayer)(openTarMember(file, m), signal);
    return { ...digests, member: m, stored };
  } catch (err) {
    if (err instanceof OcipullError || signal?.aborted) throw err;
    const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new OcipullError('E_IO', `read ${label}: layer ${path}: ${reason}`, { cause: err });
  }
}
