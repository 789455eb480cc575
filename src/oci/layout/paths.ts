import { join } from 'node:path';
import { type Digest, digestHex } from '../types/index.js';

/** File names inside an OCI image layout (image-spec image-layout.md). */
export const LAYOUT_FILE = 'oci-layout';
export const INDEX_FILE = 'index.json';
export const BLOBS_DIR = join('blobs', 'sha256');

/** The path of a blob inside a layout. The digest was validated by `parseDigest`, so it cannot escape. */
export function blobPath(root: string, digest: Digest): string {
  return join(root, BLOBS_DIR, digestHex(digest));
}

/** The partial-download file of this process for a blob: `.<hex>.<pid>.partial` beside the final name. */
export function partialPath(root: string, digest: Digest, pid = process.pid): string {
  return join(root, BLOBS_DIR, `.${digestHex(digest)}.${pid}.partial`);
}

/** Matches partial files of any process for a blob, capturing the pid. */
export function partialPattern(digest: Digest): RegExp {
  return new RegExp(`^\\.${digestHex(digest)}\\.(\\d+)\\.partial$`);
}
