import { resolve } from 'node:path';
import { STDOUT_FILE } from '../archive/index.js';
import {
  ArchiveDestination,
  copyImage,
  defaultName,
  LayoutDestination,
  RegistrySource,
} from '../copy/index.js';
import { OcipullError } from '../errors.js';
import { checkLocked, lockedFor } from '../lock/index.js';
import { isValidRefName } from '../oci/layout/index.js';
import { canonicalOf, parseReference } from '../reference/index.js';
import { retryPolicy } from '../registry/client/index.js';
import { type CommonOptions, platformOf, runOperation } from './options.js';
import { type PullResult, pullResultOf } from './results.js';

/** Options of {@link pull}, named after `ocipull pull`'s flags. */
export interface PullOptions extends CommonOptions {
  /** `os/arch[/variant]` to take from a multi-platform index (default: the host's architecture, linux). */
  platform?: string | undefined;
  /** The whole index with every child, attestations included. */
  allPlatforms?: boolean | undefined;
  /** The `org.opencontainers.image.ref.name` to write (default: the tag, or the digest's hex). */
  name?: string | undefined;
  /** Write the layout into an existing non-empty directory that is not an OCI layout. */
  force?: boolean | undefined;
  /** Write manifests byte for byte (Docker media types are kept). */
  preserveDigests?: boolean | undefined;
  /** Parallel blob downloads (default 4). */
  jobs?: number | undefined;
  /** Rehash every blob already in the layout instead of trusting its size, and replace damaged ones. */
  verify?: boolean | undefined;
  /** An OCI layout directory (default), or a tar file. */
  format?: 'oci' | 'oci-archive' | 'docker-archive' | undefined;
  /** Pull the digest this lockfile (`ocipull.lock`) pins the reference to (`--locked --lockfile FILE`). */
  lockfile?: string | undefined;
}

/**
 * Pulls an image into an OCI image layout directory (or, with `format`, an archive file): verified, concurrent
 * and resumable; resolves to the object `ocipull pull --json` prints.
 */
export function pull(reference: string, dest: string, options: PullOptions = {}): Promise<PullResult> {
  return runOperation(`pull ${reference}`, options, async (rt) => {
    const format = options.format ?? 'oci';
    const lockFlags = {
      locked: options.lockfile !== undefined,
      lockfile: options.lockfile,
      platform: options.platform,
      allPlatforms: options.allPlatforms,
    };
    const locked = await lockedFor(reference, lockFlags);
    const ref = locked?.ref ?? parseReference(reference);
    if (options.allPlatforms && options.platform) {
      throw new OcipullError('E_USAGE', 'pull: platform and allPlatforms exclude each other');
    }
    if (dest === STDOUT_FILE) {
      throw new OcipullError('E_USAGE', 'pull: the library never writes to stdout; give a file or directory');
    }
    if (format === 'docker-archive' && options.allPlatforms) {
      throw new OcipullError(
        'E_USAGE',
        'pull: a docker-archive holds one image; allPlatforms writes several',
        {
          hint: "use format: 'oci-archive' (or an OCI layout directory) for every platform, or platform for one",
        },
      );
    }
    if (options.name !== undefined && !isValidRefName(options.name)) {
      throw new OcipullError('E_USAGE', `pull: name ${JSON.stringify(options.name)} is not a valid ref.name`);
    }
    const platform = platformOf(options.platform);
    const refName = options.name ?? defaultName(ref);
    const target =
      format === 'oci'
        ? new LayoutDestination(resolve(dest), {
            refName,
            imageName: canonicalOf(ref),
            verify: options.verify === true,
            force: options.force === true,
            signal: rt.signal,
          })
        : new ArchiveDestination(dest, {
            format,
            refName,
            imageName: canonicalOf(ref),
            platform,
            verify: options.verify === true,
            signal: rt.signal,
          });
    // Before the registry is contacted: a destination we would refuse later must cost no download.
    await target.check();
    const source = new RegistrySource(await rt.openRepo(ref), ref);
    try {
      const copied = await copyImage(source, target, {
        platform,
        explicitPlatform: options.platform !== undefined,
        allPlatforms: options.allPlatforms === true,
        preserveDigests: options.preserveDigests === true,
        jobs: options.jobs ?? 4,
        retry: retryPolicy(options.retries),
        signal: rt.signal,
        onEvent: rt.emit,
        expectRoot: locked ? (digest) => checkLocked(locked, digest) : undefined,
      });
      return pullResultOf(copied, dest, format);
    } finally {
      await source.close();
      await target.close();
    }
  });
}
