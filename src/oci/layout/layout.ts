import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { OcipullError } from '../../errors.js';
import {
  type Descriptor,
  type Digest,
  type ImageIndex,
  ImageIndexSchema,
  OCI_IMAGE_INDEX,
} from '../types/index.js';
import { ioError } from './io-error.js';
import { withLock } from './lock.js';
import { makeDirectories } from './mkdirs.js';
import { BLOBS_DIR, blobPath, INDEX_FILE, LAYOUT_FILE } from './paths.js';

/** The annotation that names an `index.json` entry (image-spec annotations.md). */
export const REF_NAME = 'org.opencontainers.image.ref.name';

/** Writes a file atomically: a temp file in the same directory, then a rename over the target. */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(tmp, data, { mode: 0o644 });
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw ioError('write', path, err);
  }
}

/**
 * Creates the layout skeleton if it is missing: `oci-layout`, `blobs/sha256/` and an empty `index.json`.
 * An existing layout is left as it is; a directory that holds something else is refused before anything is
 * written. `oci-layout` comes first, so a run killed half-way leaves a directory that is recognisably ours.
 */
export async function initLayout(root: string): Promise<void> {
  await makeDirectories(root);
  const layoutFile = join(root, LAYOUT_FILE);
  try {
    const text = await readFile(layoutFile, 'utf8');
    const version = (JSON.parse(text) as { imageLayoutVersion?: unknown }).imageLayoutVersion;
    if (typeof version !== 'string') throw new Error('no imageLayoutVersion');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new OcipullError('E_IO', `${layoutFile} is not an OCI layout file: ${(err as Error).message}`, {
        hint: 'pull into an empty directory or an existing OCI layout',
      });
    }
    await writeFileAtomic(layoutFile, `${JSON.stringify({ imageLayoutVersion: '1.0.0' })}\n`);
  }
  await makeDirectories(join(root, BLOBS_DIR));
  const indexFile = join(root, INDEX_FILE);
  try {
    await lstat(indexFile);
  } catch {
    await withLock(`${indexFile}.lock`, async () => {
      await lstat(indexFile).catch(() =>
        writeFileAtomic(
          indexFile,
          `${JSON.stringify({ schemaVersion: 2, mediaType: OCI_IMAGE_INDEX, manifests: [] })}\n`,
        ),
      );
    });
  }
}

/** Reads and validates `index.json`. */
export async function readIndex(root: string): Promise<ImageIndex> {
  const path = join(root, INDEX_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw ioError('read', path, err);
  }
  let parsed: ReturnType<typeof ImageIndexSchema.safeParse>;
  try {
    parsed = ImageIndexSchema.safeParse(JSON.parse(text));
  } catch {
    throw new OcipullError('E_IO', `${path} is not valid JSON`, {
      hint: 'the layout is damaged; pull into a new directory',
    });
  }
  if (!parsed.success) throw new OcipullError('E_IO', `${path} is not an OCI image index`);
  return parsed.data;
}

/**
 * Read-modify-writes `index.json` under a lock file, so two `ocipull` processes pulling into one layout both
 * keep their entries; the new index replaces the old one atomically (temp file and rename), never half-written.
 */
export async function updateIndex(
  root: string,
  mutate: (index: ImageIndex) => ImageIndex,
  signal?: AbortSignal,
): Promise<ImageIndex> {
  const path = join(root, INDEX_FILE);
  return withLock(
    `${path}.lock`,
    async () => {
      const next = mutate(await readIndex(root));
      await writeFileAtomic(path, `${JSON.stringify(next, null, 2)}\n`);
      return next;
    },
    signal,
  );
}

/**
 * Adds `entry` to an index under `name`, removing any other entry with the same `ref.name` (a name points at one
 * image, as skopeo's `oci:` destination does) and any identical entry.
 */
export function withNamedEntry(index: ImageIndex, entry: Descriptor, name: string): ImageIndex {
  const kept = index.manifests.filter((d) => d.annotations?.[REF_NAME] !== name);
  return {
    ...index,
    manifests: [...kept, { ...entry, annotations: { ...entry.annotations, [REF_NAME]: name } }],
  };
}

/**
 * True when a blob is present as a regular file of the expected size. Symlinks and other file types are refused
 * (ggcr `layout/blob.go`): a layout must not make us read or trust a file outside it.
 */
export async function hasBlob(root: string, desc: { digest: Digest; size: number }): Promise<boolean> {
  try {
    const st = await lstat(blobPath(root, desc.digest));
    return st.isFile() && st.size === desc.size;
  } catch {
    return false;
  }
}

/** Re-hashes a stored blob (`--verify`); true when it matches its digest. */
export async function verifyBlob(root: string, desc: { digest: Digest; size: number }): Promise<boolean> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(blobPath(root, desc.digest))) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return size === desc.size && `sha256:${hash.digest('hex')}` === desc.digest;
}

/**
 * Stores small bytes (a manifest or config) under their digest, atomically. A blob already there of the right
 * size is trusted unless `verify` is set; then its bytes are compared and a damaged copy is replaced.
 */
export async function writeBlobBytes(
  root: string,
  digest: Digest,
  bytes: Uint8Array,
  opts: { verify?: boolean | undefined } = {},
): Promise<void> {
  const path = blobPath(root, digest);
  if (await hasBlob(root, { digest, size: bytes.length })) {
    if (!opts.verify) return;
    const stored = await readFile(path).catch(() => undefined);
    if (stored?.equals(bytes)) return;
  }
  await writeFileAtomic(path, bytes);
}
