import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Reads a layout's index.json. */
export async function readIndexJson(dir: string) {
  return JSON.parse(await readFile(join(dir, 'index.json'), 'utf8')) as {
    schemaVersion: number;
    manifests: {
      mediaType: string;
      digest: string;
      size: number;
      annotations?: Record<string, string>;
      platform?: unknown;
    }[];
  };
}

/** Reads a blob of a layout. */
export function readBlob(dir: string, digest: string): Promise<Buffer> {
  return readFile(join(dir, 'blobs', 'sha256', digest.replace('sha256:', '')));
}

/** Checks every file under blobs/sha256 hashes to its name; returns the names, and any stray (partial/temp) files. */
export async function checkBlobs(dir: string): Promise<{ blobs: string[]; stray: string[] }> {
  const names = await readdir(join(dir, 'blobs', 'sha256'));
  const blobs: string[] = [];
  const stray: string[] = [];
  for (const n of names) {
    if (n.startsWith('.')) {
      stray.push(n);
      continue;
    }
    const bytes = await readFile(join(dir, 'blobs', 'sha256', n));
    const hex = createHash('sha256').update(bytes).digest('hex');
    if (hex !== n) throw new Error(`blob ${n} hashes to ${hex}`);
    blobs.push(`sha256:${n}`);
  }
  return { blobs, stray };
}
