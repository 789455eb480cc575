/**
 * Deterministic gzip for layers that a docker-archive holds uncompressed: the same tar always compresses to the same
 * bytes, so its digest can be computed once when the archive is opened and the blob compressed again, identically,
 * when it is uploaded (skopeo compresses such layers for a registry too, `copy/compression.go`). zlib's deflate
 * output depends only on its parameters and the input bytes (not on how the input is chunked, as long as nothing
 * flushes), so the options are fixed here; Node's gzip header has no file name and mtime 0.
 */
import { createHash, type Hash } from 'node:crypto';
import { type Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { constants, createGunzip, createGzip, type ZlibOptions } from 'node:zlib';

/** Fixed compression parameters: changing any of them changes every layer digest ocipull pushes. */
export const GZIP_OPTIONS: Readonly<ZlibOptions> = Object.freeze({
  level: 6,
  memLevel: 8,
  windowBits: 15,
  strategy: constants.Z_DEFAULT_STRATEGY,
  chunkSize: 64 * 1024,
});

/** Byte 9 of a gzip header: the OS. zlib writes the one it was built for (3 on Unix, 10 on Windows); pin Unix. */
const OS_BYTE = 9;
const OS_UNIX = 3;

/** True when the bytes start with the gzip magic `1f 8b`. */
export function isGzip(head: Buffer): boolean {
  return head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
}

/** True when the bytes start with the zstd magic `28 b5 2f fd`. */
export function isZstd(head: Buffer): boolean {
  return head.length >= 4 && head.readUInt32LE(0) === 0xfd2fb528;
}

/** The compressing stages: zlib with `GZIP_OPTIONS`, then the OS byte pinned. */
function gzipStages(): [Transform, Transform] {
  let first = true;
  const pinOs = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      if (!first) return done(null, chunk);
      first = false;
      // zlib emits the 10-byte header with its first output chunk (chunkSize is far above 10).
      const fixed = Buffer.from(chunk);
      fixed[OS_BYTE] = OS_UNIX;
      done(null, fixed);
    },
  });
  return [createGzip(GZIP_OPTIONS), pinOs];
}

/** `input` gzip-compressed with `GZIP_OPTIONS`; an error on either side destroys the other. */
export function gzipLayer(input: Readable): Readable {
  const [gzip, pinOs] = gzipStages();
  pipeline(input, gzip, pinOs).catch(() => {
    // pipeline destroyed every stream with the error; whoever reads `pinOs` sees it there.
  });
  return pinOs;
}

/** The digests of a layer: as the config names it, and as it is pushed. */
export interface LayerDigests {
  /** sha256 of the uncompressed tar (the config's `rootfs.diff_ids` entry). */
  diffId: `sha256:${string}`;
  /** sha256 and size of the gzip stream pushed. */
  digest: `sha256:${string}`;
  size: number;
}

/** A pass-through stage that feeds a hash and counts. */
function tap(hash: Hash, count?: { n: number }): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      if (count) count.n += chunk.length;
      done(null, chunk);
    },
  });
}

async function drain(source: AsyncIterable<Buffer>): Promise<void> {
  for await (const _ of source);
}

/**
 * Digests of an uncompressed layer: hashes `input`, and compresses it as `gzipLayer` does only to hash and count
 * the result (streaming; nothing is kept).
 */
export async function measureGzipLayer(input: Readable, signal?: AbortSignal): Promise<LayerDigests> {
  const diff = createHash('sha256');
  const compressed = createHash('sha256');
  const count = { n: 0 };
  await pipeline(input, tap(diff), ...gzipStages(), tap(compressed, count), drain, { signal });
  return {
    diffId: `sha256:${diff.digest('hex')}`,
    digest: `sha256:${compressed.digest('hex')}`,
    size: count.n,
  };
}

/** Digests of a layer that is gzip already (pushed as is): hashes it, and gunzips it to hash the tar. */
export async function measureGzippedLayer(input: Readable, signal?: AbortSignal): Promise<LayerDigests> {
  const diff = createHash('sha256');
  const compressed = createHash('sha256');
  const count = { n: 0 };
  await pipeline(input, tap(compressed, count), createGunzip(), tap(diff), drain, { signal });
  return {
    diffId: `sha256:${diff.digest('hex')}`,
    digest: `sha256:${compressed.digest('hex')}`,
    size: count.n,
  };
}
