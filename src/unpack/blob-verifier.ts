/**
 * A pass-through that checks a blob against its descriptor while it is read (STYLE.md §5, ggcr
 * `internal/verify`): fails as soon as more bytes than the size arrive, and at the end on a short read or a
 * digest mismatch.
 */
import { createHash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { IntegrityError } from '../errors.js';
import type { Digest } from '../oci/types/index.js';

/** Verifies size and sha256 of the bytes flowing through it. */
export class BlobVerifier extends Transform {
  readonly #expected: { digest: Digest; size: number };
  readonly #label: string;
  readonly #hash = createHash('sha256');
  #read = 0;

  constructor(expected: { digest: Digest; size: number }, label: string) {
    super();
    this.#expected = expected;
    this.#label = label;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#read += chunk.length;
    if (this.#read > this.#expected.size) {
      callback(this.#mismatch(`is larger than the ${this.#expected.size} bytes its descriptor says`));
      return;
    }
    this.#hash.update(chunk);
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    if (this.#read !== this.#expected.size) {
      callback(this.#mismatch(`has ${this.#read} bytes, its descriptor says ${this.#expected.size}`));
      return;
    }
    const actual: Digest = `sha256:${this.#hash.digest('hex')}`;
    if (actual !== this.#expected.digest) {
      callback(this.#mismatch(`hashes to ${actual}`, actual));
      return;
    }
    callback();
  }

  #mismatch(what: string, digest?: string): IntegrityError {
    return new IntegrityError(
      `${this.#label}: blob ${what}`,
      { digest: this.#expected.digest, size: this.#expected.size },
      { digest, size: this.#read },
      { hint: 'the layout is damaged; pull the image again' },
    );
  }
}
