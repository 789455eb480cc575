/** Options of `unpackImage` and the one place their defaults are filled in (STYLE.md §7). */
import { hostPlatform, type PlatformSpec } from '../oci/types/index.js';
import { isRoot } from './rootless.js';

/** What to unpack, where, and how. */
export interface UnpackOptions {
  /** The OCI image layout directory. */
  layout: string;
  /** The `org.opencontainers.image.ref.name` of the `index.json` entry; default: the only entry. */
  name?: string;
  /** The platform to choose when the entry is an index; default: the host's (`hostPlatform()`). */
  platform?: PlatformSpec;
  /** The rootfs directory: created if absent; must be empty unless `force`. */
  dest: string;
  /** Unpack into a non-empty `dest`, over what is there. */
  force?: boolean;
  /** No chown, no device nodes. Forced on when the process is not root. */
  rootless: boolean;
  signal?: AbortSignal;
  /** Called once per kind of skipped entry, e.g. "skipped 3 device nodes (not root)". */
  onWarning?: (message: string) => void;
  /** Called before each layer: `i` counts from 1 to `total`. */
  onLayer?: (i: number, total: number, digest: string) => void;
}

/** `UnpackOptions` with every default applied. */
export interface ResolvedUnpackOptions extends Required<Omit<UnpackOptions, 'name' | 'signal'>> {
  name: string | undefined;
  signal: AbortSignal | undefined;
}

/** Fills in the defaults of `UnpackOptions`. */
export function resolveUnpackOptions(options: UnpackOptions): ResolvedUnpackOptions {
  return {
    layout: options.layout,
    name: options.name,
    platform: options.platform ?? hostPlatform(),
    dest: options.dest,
    force: options.force ?? false,
    rootless: options.rootless || !isRoot(),
    signal: options.signal,
    onWarning: options.onWarning ?? (() => undefined),
    onLayer: options.onLayer ?? (() => undefined),
  };
}
