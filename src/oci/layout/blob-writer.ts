import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { type FileHandle, lstat, open, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { IntegrityError } from '../../errors.js';
import type { Digest } from '../types/index.js';
import { ioError } from './io-error.js';
import { processAlive } from './lock.js';
import { BLOBS_DIR, blobPath, partialPath, partialPattern } from './paths.js';

/** A blob's identity: what the bytes must hash to and how many there must be. */
export interface BlobTarget {
  digest: Digest;
  size: number;
}

async function hashFile(path: string, hash: Hash): Promise<number> {
  let n = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 })) {
    hash.update(chunk as Buffer);
    n += (chunk as Buffer).length;
  }
  return n;
}

/** Names of the partial-download files in a layout's blob directory (one `readdir` for a whole pull). */
export async function listPartials(root: string): Promise<string[]> {
  const names = await readdir(join(root, BLOBS_DIR)).catch(() => [] as string[]);
  return names.filter((n) => n.endsWith('.partial'));
}

/**
 * Adopts a partial download of this blob left by a process that is gone (a killed or interrupted `ocipull`), by
 * renaming it to our own partial name; the rename is atomic, so two processes never adopt the same file.
 */
async function adoptPartial(
  root: string,
  target: BlobTarget,
  mine: string,
  names?: readonly string[],
): Promise<void> {
  const pattern = partialPattern(target.digest);
  const dir = join(root, BLOBS_DIR);
  for (const name of names ?? (await listPartials(root))) {
    const m = pattern.exec(name);
    if (!m || Number(m[1]) === process.pid || processAlive(Number(m[1]))) continue;
    try {
      await rename(join(dir, name), mine);
      return;
    } catch {
      // Someone else adopted it first; look for another.
    }
  }
}

/**
 * Writes one blob into a layout so that it appears under its digest only when complete and verified
 * (STYLE.md §5): bytes go to `blobs/sha256/.<hex>.<pid>.partial`, are hashed as they are written (the hash always
 * covers exactly the bytes on disk), and `commit` renames the file after checking size and sha256. A partial file
 * survives interruption; the next writer for the same blob adopts it and continues from its end.
 */
export class BlobWriter {
  readonly target: BlobTarget;
  readonly path: string;
  readonly #finalPath: string;
  #hash: Hash = createHash('sha256');
  #handle: FileHandle | undefined;
  #written = 0;

  private constructor(root: string, target: BlobTarget) {
    this.target = target;
    this.path = partialPath(root, target.digest);
    this.#finalPath = blobPath(root, target.digest);
  }

  /**
   * Opens a writer, continuing any partial download this or a dead process left behind. `partials` is the result
   * of `listPartials`, when the caller already has it.
   */
  static async open(root: string, target: BlobTarget, partials?: readonly string[]): Promise<BlobWriter> {
    const w = new BlobWriter(root, target);
    await adoptPartial(root, target, w.path, partials);
    try {
      const st = await lstat(w.path);
      if (st.isFile() && st.size <= target.size) w.#written = await hashFile(w.path, w.#hash);
      else await rm(w.path, { force: true, recursive: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw ioError('open partial blob', w.path, err);
    }
    try {
      w.#handle = await open(w.path, 'a', 0o644);
    } catch (err) {
      throw ioError('create partial blob', w.path, err);
    }
    return w;
  }

  /** Bytes already on disk: where a resumed download starts. */
  get offset(): number {
    return this.#written;
  }

  /** Drops what was written (the server ignored `Range`, so the body starts at byte 0 again). */
  async reset(): Promise<void> {
    await this.#handle!.truncate(0);
    this.#hash = createHash('sha256');
    this.#written = 0;
  }

  /**
   * A sink for the body. Each chunk is written, then hashed; a body that runs past the descriptor size fails at
   * once with an `IntegrityError`, before the extra bytes reach the disk.
   */
  sink(onBytes?: (n: number) => void): Writable {
    const write = async (chunks: Buffer[]) => {
      const len = chunks.reduce((n, c) => n + c.length, 0);
      if (this.#written + len > this.target.size) {
        throw new IntegrityError(
          `blob ${this.target.digest}: server sent more than the ${this.target.size} bytes the descriptor promises`,
          this.target,
          { size: this.#written + len },
        );
      }
      await this.#handle!.writev(chunks);
      for (const c of chunks) this.#hash.update(c);
      this.#written += len;
      onBytes?.(len);
    };
    return new Writable({
      highWaterMark: 256 * 1024,
      writev: (chunks, cb) => {
        write(chunks.map((c) => c.chunk as Buffer)).then(() => cb(), cb);
      },
      write: (chunk: Buffer, _enc, cb) => {
        write([chunk]).then(() => cb(), cb);
      },
    });
  }

  /** Checks size and digest and, only if both match, renames the blob to its final name. */
  async commit(): Promise<void> {
    await this.#close();
    if (this.#written !== this.target.size) {
      throw new IntegrityError(
        `blob ${this.target.digest}: got ${this.#written} of ${this.target.size} bytes`,
        this.target,
        { size: this.#written },
      );
    }
    const actual = `sha256:${this.#hash.digest('hex')}`;
    if (actual !== this.target.digest) {
      await rm(this.path, { force: true });
      throw new IntegrityError(
        `blob ${this.target.digest}: content hashes to ${actual}; nothing was written under the expected digest`,
        this.target,
        { digest: actual, size: this.#written },
      );
    }
    try {
      await rename(this.path, this.#finalPath);
    } catch (err) {
      throw ioError('store blob', this.#finalPath, err);
    }
  }

  /** Closes the file, keeping the partial bytes for a later resume (interrupt) or removing them (`discard`). */
  async abandon({ discard = false } = {}): Promise<void> {
    await this.#close();
    if (discard) await rm(this.path, { force: true });
  }

  async #close(): Promise<void> {
    const h = this.#handle;
    this.#handle = undefined;
    await h?.close();
  }
}
