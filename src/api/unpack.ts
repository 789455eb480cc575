import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { copyImage, defaultName, isPathLike, LayoutDestination, RegistrySource } from '../copy/index.js';
import { OcipullError } from '../errors.js';
import { checkLocked, lockedFor } from '../lock/index.js';
import { canonicalOf, parseReference } from '../reference/index.js';
import { retryPolicy } from '../registry/client/index.js';
import { unpackImage } from '../unpack/index.js';
import { isLayoutDir } from './endpoints.js';
import { type CommonOptions, platformOf, runOperation } from './options.js';
import { type UnpackResult, unpackResultOf } from './results.js';

/**
 * What SOURCE names: an OCI layout (`./debian`, or `./debian:NAME` for one entry) when such a directory exists,
 * otherwise an image reference to pull on the way. A path (`./x`, `../x`, `/x`, `~/x`) is never a reference, so
 * one that holds no layout is "not found", not a reference-parser complaint.
 */
export async function resolveSource(
  source: string,
): Promise<{ layout: string; name?: string } | { ref: string }> {
  if (await isLayoutDir(source)) return { layout: resolve(source) };
  const colon = source.lastIndexOf(':');
  if (colon > 0 && !source.slice(colon + 1).includes('/') && (await isLayoutDir(source.slice(0, colon)))) {
    return { layout: resolve(source.slice(0, colon)), name: source.slice(colon + 1) };
  }
  if (isPathLike(source)) {
    const path = colon > 0 && !source.slice(colon + 1).includes('/') ? source.slice(0, colon) : source;
    throw new OcipullError('E_NOT_FOUND', `unpack: no OCI layout at ${path}`, {
      hint: 'SOURCE is an OCI layout directory (one with an oci-layout file) or an image reference (debian:12)',
    });
  }
  return { ref: source };
}

/** Options of {@link unpack}, named after `ocipull unpack`'s flags. */
export interface UnpackOptions extends CommonOptions {
  /** The platform to choose from an index (default: the host's architecture, linux). */
  platform?: string | undefined;
  /** No chown, no device nodes (forced on when not root). */
  rootless?: boolean | undefined;
  /** When SOURCE is a reference: keep the pulled layout in this directory (a failed pull into it resumes). */
  keep?: string | undefined;
  /** Unpack into a non-empty directory, over what is there. */
  force?: boolean | undefined;
  /** Unpack the digest this lockfile pins SOURCE to, when SOURCE is a reference. */
  lockfile?: string | undefined;
  /** Called before each layer: `i` counts from 1 to `total`. */
  onLayer?: ((i: number, total: number, digest: string) => void) | undefined;
}

/**
 * Applies an image's layers, in order, onto `dir`: whiteouts honoured, every layer checked against its digest and
 * the config's diff_ids, nothing written outside `dir`. `source` is an OCI layout (`./debian[:NAME]`) or a
 * reference, pulled on the way. The object `ocipull unpack --json` prints.
 */
export function unpack(source: string, dir: string, options: UnpackOptions = {}): Promise<UnpackResult> {
  return runOperation(`unpack ${source}`, options, async (rt) => {
    const platform = platformOf(options.platform);
    const resolved = await resolveSource(source);
    let layout: string;
    let name: string | undefined;
    let temporary: string | undefined;
    let label = source;
    try {
      if ('ref' in resolved) {
        const locked = await lockedFor(resolved.ref, {
          locked: options.lockfile !== undefined,
          lockfile: options.lockfile,
          platform: options.platform,
        });
        const ref = locked?.ref ?? parseReference(resolved.ref);
        label = canonicalOf(ref);
        if (options.keep) layout = resolve(options.keep);
        else layout = temporary = await mkdtemp(join(tmpdir(), 'ocipull-unpack-'));
        name = defaultName(ref);
        const from = new RegistrySource(await rt.openRepo(ref), ref);
        try {
          await copyImage(
            from,
            new LayoutDestination(layout, {
              refName: name,
              imageName: label,
              verify: false,
              signal: rt.signal,
            }),
            {
              platform,
              explicitPlatform: options.platform !== undefined,
              allPlatforms: false,
              preserveDigests: false,
              jobs: 4,
              retry: retryPolicy(options.retries),
              signal: rt.signal,
              onEvent: rt.emit,
              expectRoot: locked ? (digest) => checkLocked(locked, digest) : undefined,
            },
          );
        } finally {
          await from.close();
        }
      } else {
        if (options.keep)
          throw new OcipullError('E_USAGE', 'unpack: keep only applies when SOURCE is a reference');
        layout = resolved.layout;
        name = resolved.name;
      }
      const result = await unpackImage({
        layout,
        name,
        platform,
        dest: resolve(dir),
        force: options.force === true,
        rootless: options.rootless === true,
        signal: rt.signal,
        onWarning: rt.warn,
        onLayer: options.onLayer,
      });
      return unpackResultOf(label, dir, result);
    } finally {
      if (temporary) await rm(temporary, { recursive: true, force: true });
    }
  });
}
