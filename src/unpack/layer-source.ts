/**
 * Opening a layer blob of a layout as an uncompressed tar stream: the blob is checked (a regular file of the
 * descriptor's size, opened without following symlinks, as ggcr `layout/blob.go` does), verified as it is read,
 * and decompressed by its magic bytes (moby `DecompressStream` sniffs too, since media types are sometimes wrong):
 * gzip, zstd (zstd:chunked included, see `zstd.ts`) or an uncompressed tar.
 */
import { constants } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { type Duplex, PassThrough, pipeline, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { IntegrityError, OcipullError } from '../errors.js';
import { blobPath } from '../oci/layout/index.js';
import {
  type Descriptor,
  isLayerMediaType,
  OCI_LAYER_NONDISTRIBUTABLE_ZSTD,
  OCI_LAYER_ZSTD,
  parseDigest,
} from '../oci/types/index.js';
import { BlobVerifier } from './blob-verifier.js';
import { errnoCode, ioError } from './fs-util.js';
import { createZstdDecoder } from './zstd.js';

const GZIP_MAGIC = Buffer.from([0x1f, 0x8b]);
const ZSTD_MAGIC = Buffer.from([0x28, 0xb5, 0x2f, 0xfd]);
/** A skippable frame starts with 0x184D2A50..0x184D2A5F, little-endian (RFC 8878 §3.1.2). */
const isSkippableFrame = (head: Buffer) =>
  head.length === 4 && (head[0]! & 0xf0) === 0x50 && head[1] === 0x2a && head[2] === 0x4d && head[3] === 0x18;
const zstdTypes: ReadonlySet<string> = new Set([OCI_LAYER_ZSTD, OCI_LAYER_NONDISTRIBUTABLE_ZSTD]);

/**
 * Opens layer `desc` of the layout at `layout` and returns its uncompressed bytes. Errors of the blob (size or
 * digest mismatch) surface from the returned stream as `IntegrityError`, bytes that do not decompress as
 * `E_MANIFEST_INVALID`. Throws `E_UNSUPPORTED` for non-layer media types, `E_BLOB_UNKNOWN` for a missing blob.
 */
export async function openLayer(
  layout: string,
  desc: Descriptor,
  label: string,
  signal?: AbortSignal,
): Promise<Readable> {
  if (signal?.aborted) throw new OcipullError('E_INTERRUPTED', `unpack interrupted before ${label}`);
  if (!isLayerMediaType(desc.mediaType)) {
    throw new OcipullError(
      'E_UNSUPPORTED',
      `${label} has media type ${desc.mediaType}, which is not a layer type`,
    );
  }
  const digest = parseDigest(desc.digest);
  const path = blobPath(layout, digest);
  const fh = await openBlob(path, label);
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new OcipullError('E_IO', `${label}: blob ${path} is not a regular file`);
    if (st.size !== desc.size) {
      throw new IntegrityError(
        `${label}: blob has ${st.size} bytes, its descriptor says ${desc.size}`,
        { digest, size: desc.size },
        { size: st.size },
        { hint: 'the layout is damaged; pull the image again' },
      );
    }
    const magic = Buffer.alloc(4);
    const { bytesRead } = await fh.read(magic, 0, 4, 0);
    const head = magic.subarray(0, bytesRead);
    const source = fh.createReadStream({ start: 0, highWaterMark: 1024 * 1024 });
    const decompress = decompressorFor(head, desc.mediaType, label);
    const streams = pipeline(source, new BlobVerifier({ digest, size: desc.size }, label), decompress, () => {
      // Errors reach the consumer through the destroyed last stream.
    });
    if (signal) {
      const onAbort = () => source.destroy(signal.reason as Error);
      signal.addEventListener('abort', onAbort, { once: true });
      streams.once('close', () => signal.removeEventListener('abort', onAbort));
    }
    return streams;
  } catch (err) {
    await fh.close();
    throw err;
  }
}

async function openBlob(path: string, label: string): Promise<FileHandle> {
  try {
    return await open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') {
      throw new OcipullError('E_BLOB_UNKNOWN', `${label}: blob ${path} is missing from the layout`, {
        hint: 'pull the image again',
      });
    }
    if (errnoCode(err) === 'ELOOP') {
      throw new OcipullError('E_IO', `${label}: blob ${path} is a symlink; refusing to follow it`);
    }
    throw ioError('open blob', path, err);
  }
}

/**
 * Picks the decompressor by magic bytes: gzip, zstd (a frame or a skippable frame), else an uncompressed tar; a
 * zstd media type whose bytes are neither gzip nor zstd still goes to the zstd decoder, which then says why.
 */
function decompressorFor(head: Buffer, mediaType: string, label: string): Duplex {
  if (head.subarray(0, 2).equals(GZIP_MAGIC)) return createGunzip();
  if (head.equals(ZSTD_MAGIC) || isSkippableFrame(head) || zstdTypes.has(mediaType)) {
    return createZstdDecoder(label);
  }
  return new PassThrough();
}
