/**
 * Reading an OCI layout's contents through one small interface, whether it is a directory or a tar of one (an
 * oci-archive, a Docker 25+ docker-archive): `index.json`, and blobs by digest, as streams from an offset or, for
 * small documents, whole and verified. Blobs are refused when missing, of the wrong size, or not regular files
 * (ggcr `layout/blob.go`).
 */
import { createReadStream } from 'node:fs';
import { lstat, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { IntegrityError, OcipullError } from '../../errors.js';
import { type Digest, type ImageIndex, ImageIndexSchema, sha256Digest } from '../types/index.js';
import { describeIoError } from './io-error.js';
import { blobPath, INDEX_FILE } from './paths.js';

/** Manifests and configs are read whole, up to the 4 MiB registries accept. */
export const MAX_DOCUMENT = 4 * 1024 * 1024;

/** Read access to a layout's `index.json` and blobs. */
export interface BlobStore {
  /** For messages: the directory or archive file. */
  readonly label: string;
  /** The raw `index.json`, parsed and checked. */
  readIndex(): Promise<ImageIndex>;
  /** The size of a stored blob, or undefined when it is missing (or not a regular file). */
  blobSize(digest: Digest): Promise<number | undefined>;
  /** A blob's bytes from `offset` to its end. */
  openBlob(digest: Digest, offset: number): Promise<Readable>;
}

/** Parses `index.json` text; `E_IO` when it is not an OCI image index. */
export function parseIndexJson(text: string, where: string): ImageIndex {
  let parsed: ReturnType<typeof ImageIndexSchema.safeParse>;
  try {
    parsed = ImageIndexSchema.safeParse(JSON.parse(text));
  } catch {
    throw new OcipullError('E_IO', `${where} is not valid JSON`, { hint: 'the layout is damaged' });
  }
  if (!parsed.success) throw new OcipullError('E_IO', `${where} is not an OCI image index`);
  return parsed.data;
}

/**
 * Reads a small blob whole after checking it is there with the descriptor's size (and under the cap), and
 * verifies its digest.
 */
export async function readStoredDocument(
  store: BlobStore,
  desc: { digest: Digest; size: number },
  what: string,
): Promise<Buffer> {
  if (desc.size > MAX_DOCUMENT) {
    throw new OcipullError(
      'E_MANIFEST_TOO_LARGE',
      `read ${what} ${desc.digest} from ${store.label}: ${desc.size} bytes is over the 4 MiB limit`,
    );
  }
  await requireBlob(store, desc, what);
  const chunks: Buffer[] = [];
  for await (const c of await store.openBlob(desc.digest, 0)) chunks.push(c as Buffer);
  const bytes = Buffer.concat(chunks);
  const actual = sha256Digest(bytes);
  if (actual !== desc.digest || bytes.length !== desc.size) {
    throw new IntegrityError(
      `read ${what} ${desc.digest} from ${store.label}: content hashes to ${actual}`,
      desc,
      { digest: actual, size: bytes.length },
      { hint: 'the layout is damaged; pull the image again' },
    );
  }
  return bytes;
}

/** Fails unless the blob is stored with the descriptor's size. */
export async function requireBlob(
  store: BlobStore,
  desc: { digest: Digest; size: number },
  what: string,
): Promise<void> {
  const size = await store.blobSize(desc.digest);
  if (size === undefined) {
    throw new OcipullError('E_IO', `read ${store.label}: ${what} ${desc.digest} is missing`, {
      hint: 'the layout is incomplete; pull the image into it again',
    });
  }
  if (size !== desc.size) {
    throw new IntegrityError(
      `read ${store.label}: ${what} ${desc.digest} has ${size} bytes, its descriptor says ${desc.size}`,
      desc,
      { size },
      { hint: 'the layout is damaged; pull the image again' },
    );
  }
}

/** A layout directory as a `BlobStore`. */
export function directoryStore(root: string): BlobStore {
  return {
    label: root,
    async readIndex() {
      const path = join(root, INDEX_FILE);
      let text: string;
      try {
        text = await readFile(path, 'utf8');
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        throw new OcipullError('E_IO', `read ${path}: ${describeIoError(err)}`, {
          cause: err,
          hint: code === 'ENOENT' ? `${root} is not an OCI layout (no index.json)` : undefined,
        });
      }
      return parseIndexJson(text, path);
    },
    async blobSize(digest) {
      const st = await lstat(blobPath(root, digest)).catch(() => undefined);
      return st?.isFile() ? st.size : undefined;
    },
    async openBlob(digest, offset) {
      const stream = createReadStream(blobPath(root, digest), { start: offset, highWaterMark: 256 * 1024 });
      await new Promise<void>((resolve, reject) => {
        stream.once('open', () => resolve());
        stream.once('error', (err: NodeJS.ErrnoException) =>
          reject(
            new OcipullError('E_IO', `read ${root}: blob ${digest}: ${describeIoError(err)}`, {
              cause: err,
            }),
          ),
        );
      });
      return stream;
    },
  };
}
