import { access, constants, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { STDOUT_FILE, writeArchiveFile, writeDockerArchive, writeOciArchive } from '../archive/index.js';
import { OcipullError } from '../errors.js';
import { ioError } from '../oci/layout/index.js';
import type { ParsedManifest, PlatformSpec } from '../oci/types/index.js';
import { LayoutDestination } from './layout-destination.js';
import type {
  BlobRef,
  BlobResult,
  BlobTransfer,
  CommitRequest,
  ImageDestination,
  WrittenManifest,
} from './types.js';

/** Which archive, and what goes into it. */
export interface ArchiveDestinationOptions {
  format: 'oci-archive' | 'docker-archive';
  /** The ref.name of the image in the archive (oci-archive), and the tag of the docker-archive's RepoTags. */
  refName: string;
  /** The full reference (`docker.io/library/debian:12`): `io.containerd.image.name`, and docker-archive's RepoTags. */
  imageName: string;
  /** docker-archive holds one image: the platform to take from an index. */
  platform: PlatformSpec;
  verify: boolean;
  /** The stream for `-`; only the CLI has one. */
  stdout?: NodeJS.WritableStream | undefined;
  signal?: AbortSignal | undefined;
}

/**
 * Writes an image as an oci-archive or docker-archive file: blobs are first fetched into a hidden staging layout
 * beside the file (`.FILE.layout`, so an interrupted run resumes there; a temporary directory for `-`), then the tar
 * is streamed into `FILE.<pid>.<rand>.tmp` and renamed over `FILE` only when complete (`archive/archive-file.ts`).
 */
export class ArchiveDestination implements ImageDestination {
  readonly name: string;
  readonly convertsToOci = true;
  readonly #file: string;
  readonly #opts: ArchiveDestinationOptions;
  #staging: { dir: string; temporary: boolean } | undefined;
  #layout: LayoutDestination | undefined;

  constructor(file: string, opts: ArchiveDestinationOptions) {
    this.#file = file;
    this.#opts = opts;
    this.name = `${opts.format}:${file}`;
  }

  #inner(): LayoutDestination {
    if (!this.#layout) throw new Error('ArchiveDestination used before prepare()');
    return this.#layout;
  }

  /**
   * Fails unless the archive can be written: `FILE` is not a directory, and its directory exists and is writable
   * (the staging layout and the temp file go there). Creates nothing; `pull` calls it before it contacts the
   * registry.
   */
  async check(): Promise<void> {
    if (this.#file === STDOUT_FILE) return;
    const file = resolve(this.#file);
    const existing = await stat(file).catch(() => undefined);
    if (existing?.isDirectory()) {
      throw new OcipullError('E_IO', `write archive ${this.#file}: is a directory`, {
        hint: `name the tar file, e.g. ${join(this.#file, 'image.tar')}, or drop --format to write an OCI layout`,
      });
    }
    const dir = dirname(file);
    try {
      const st = await stat(dir);
      if (!st.isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
      await access(dir, constants.W_OK | constants.X_OK);
    } catch (err) {
      throw ioError('write archive into', dir, err);
    }
  }

  async prepare(): Promise<void> {
    await this.check();
    this.#staging =
      this.#file === STDOUT_FILE
        ? { dir: await mkdtemp(join(tmpdir(), 'ocipull-stage-')), temporary: true }
        : { dir: join(dirname(resolve(this.#file)), `.${basename(this.#file)}.layout`), temporary: false };
    this.#layout = new LayoutDestination(this.#staging.dir, {
      refName: this.#opts.refName,
      imageName: this.#opts.imageName,
      verify: this.#opts.verify,
      signal: this.#opts.signal,
    });
    await this.#layout.prepare();
  }

  putBlob(t: BlobTransfer): Promise<BlobResult> {
    return this.#inner().putBlob(t);
  }

  putManifest(m: WrittenManifest & { parsed: ParsedManifest }): Promise<void> {
    return this.#inner().putManifest(m);
  }

  async commit(c: CommitRequest): Promise<{ name: string; named: 'tag' | 'index' }> {
    const committed = await this.#inner().commit(c);
    const staging = this.#staging!.dir;
    const { format, signal, imageName, platform } = this.#opts;
    await writeArchiveFile(
      this.#file,
      (out) =>
        format === 'oci-archive'
          ? writeOciArchive(staging, out, { name: committed.name, signal })
          : writeDockerArchive(staging, out, { name: committed.name, repoTag: imageName, platform, signal }),
      { stdout: this.#opts.stdout },
    );
    // The archive holds everything now; the staging layout only mattered for resuming.
    await rm(staging, { recursive: true, force: true });
    return committed;
  }

  readBlob(desc: BlobRef): Promise<Buffer | undefined> {
    return this.#inner().readBlob(desc);
  }

  async close(): Promise<void> {
    if (this.#staging?.temporary) await rm(this.#staging.dir, { recursive: true, force: true });
  }
}
