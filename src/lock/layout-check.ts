/**
 * `verify --layout DIR`: checks offline that an OCI layout holds the locked images for the wanted platforms. A
 * platform's image counts when its manifest is in `blobs/` under the locked digest, or an `index.json` entry records
 * that digest as `io.ocipull.registry.digest` (a pull that converted Docker media types to OCI: the layout's digest
 * differs, the registry's is kept); and its config and layers must all be there. An entry named for the image that
 * holds another digest is reported as differing.
 */
import { readFile } from 'node:fs/promises';
import { blobPath, hasBlob, readIndex } from '../oci/layout/index.js';
import type { Descriptor, Digest } from '../oci/types/index.js';
import type { LockEntry, Lockfile } from './lockfile.js';
import { wantedDigest } from './platforms.js';

/** How one locked image stands in the layout. */
export interface LayoutStatus {
  reference: string;
  status: 'present' | 'missing' | 'differs';
  /** Wanted platforms (or the top digest of an artifact) not found, and what a same-named entry holds instead. */
  missing: { platform: string | null; digest: Digest }[];
  found?: string[] | undefined;
}

const REGISTRY_DIGEST = 'io.ocipull.registry.digest';
const IMAGE_NAME = 'io.containerd.image.name';

/** Digests a stored manifest needs (config, layers, children), or null when it is not in the layout. */
async function needs(root: string, digest: string): Promise<Descriptor[] | null> {
  let doc: { config?: Descriptor; layers?: Descriptor[]; manifests?: Descriptor[] };
  try {
    doc = JSON.parse(await readFile(blobPath(root, digest as Digest), 'utf8'));
  } catch {
    return null;
  }
  return [...(doc.config ? [doc.config] : []), ...(doc.layers ?? []), ...(doc.manifests ?? [])];
}

/** True when the manifest and everything it names (one level of children included) is in the layout. */
async function complete(root: string, digest: string, depth = 0): Promise<boolean> {
  const parts = await needs(root, digest);
  if (parts === null) return false;
  for (const p of parts) {
    if (!(await hasBlob(root, { digest: p.digest as Digest, size: p.size }))) return false;
    if (p.mediaType.includes('manifest') && depth < 2 && !(await complete(root, p.digest, depth + 1)))
      return false;
  }
  return true;
}

/** Checks every locked entry against the layout at `root`. */
export async function checkLayout(root: string, lock: Lockfile): Promise<LayoutStatus[]> {
  const index = await readIndex(root);
  const out: LayoutStatus[] = [];
  for (const [key, entry] of Object.entries(lock.images))
    out.push(await checkEntry(root, index.manifests, key, entry));
  return out;
}

async function checkEntry(
  root: string,
  entries: Descriptor[],
  key: string,
  entry: LockEntry,
): Promise<LayoutStatus> {
  const wanted: { platform: string | null; digest: Digest }[] =
    entry.want.length > 0
      ? entry.want.map((w) => ({ platform: w, digest: wantedDigest(entry, w) ?? entry.digest }))
      : [{ platform: null, digest: entry.digest }];
  const missing: LayoutStatus['missing'] = [];
  for (const w of wanted) if (!(await holdsWanted(root, entries, entry, w.digest))) missing.push(w);
  if (missing.length === 0) return { reference: key, status: 'present', missing };
  // Something named for this image holding another digest is a layout that moved, not one that lacks it.
  const named = entries.filter((d) => (d.annotations?.[IMAGE_NAME] ?? '').replace(/@.*$/, '') === key);
  const found = named.map((d) => (d.annotations?.[REGISTRY_DIGEST] as string | undefined) ?? d.digest);
  return {
    reference: key,
    status: named.length > 0 ? 'differs' : 'missing',
    missing,
    ...(named.length ? { found } : {}),
  };
}

/**
 * True when the layout holds `digest` for the entry: the manifest itself; the locked index listing it; or an
 * entry converted to OCI from it or from the locked index (its recorded registry digest pins what it came from).
 */
async function holdsWanted(
  root: string,
  entries: Descriptor[],
  entry: LockEntry,
  digest: Digest,
): Promise<boolean> {
  if (await complete(root, digest)) return true;
  if (
    digest !== entry.digest &&
    (await holds(root, entry.digest, digest)) &&
    (await complete(root, entry.digest))
  )
    return true;
  for (const d of entries) {
    const from = d.annotations?.[REGISTRY_DIGEST];
    if ((from === digest || from === entry.digest) && (await complete(root, d.digest))) return true;
  }
  return false;
}

/** True when the stored index `indexDigest` lists `child`. */
async function holds(root: string, indexDigest: string, child: string): Promise<boolean> {
  const parts = await needs(root, indexDigest);
  return parts?.some((p) => p.digest === child) ?? false;
}
