/**
 * Resolving a reference into a lock entry, spending as few Docker Hub pulls as can be: a HEAD with the full Accept
 * list (free, and without an index Accept Docker Hub would answer the amd64 child's digest), then one GET of the
 * manifest by that digest, which is the only counted pull; a single image's config is a blob GET, which Docker Hub
 * does not count (COPY-MIRRORS-LOCK.md §3.3, PROTOCOL §6).
 */
import { OcipullError, withContext } from '../errors.js';
import {
  configPlatform,
  type Digest,
  formatPlatform,
  type ImageManifest,
  type PlatformSpec,
  requirePlatform,
  selectManifest,
} from '../oci/types/index.js';
import { canonicalOf, type Reference } from '../reference/index.js';
import type { ManifestResult, RegistryClient } from '../registry/client/index.js';
import type { LockEntry } from './lockfile.js';
import { platformsOfIndex, wantKey } from './platforms.js';

/** Gives the client for a reference's registry and repository (the caller caches and closes them). */
export type ClientFor = (ref: Reference) => Promise<RegistryClient>;

/** The platforms to lock: explicit ones must exist; the default (the host's) adapts to a single-platform image. */
export interface WantedPlatforms {
  specs: PlatformSpec[];
  explicit: boolean;
}

const IMAGE_CONFIGS = new Set([
  'application/vnd.oci.image.config.v1+json',
  'application/vnd.docker.container.image.v1+json',
]);

/** Resolves references for `lock` and `verify`, counting the manifest GETs (Docker Hub pulls) it spends. */
export class Resolver {
  /** Manifest GETs so far: what Docker Hub counts as pulls. */
  pulls = 0;
  readonly #clientFor: ClientFor;

  constructor(clientFor: ClientFor) {
    this.#clientFor = clientFor;
  }

  /** The digest the reference names now, from a HEAD (no pull spent); undefined when the registry sends none. */
  async head(ref: Reference): Promise<Digest | undefined> {
    const client = await this.#clientFor(ref);
    const head = await client.headManifest(ref.path, lookupOf(ref));
    return head.digest;
  }

  async #get(ref: Reference, reference: string): Promise<ManifestResult> {
    const client = await this.#clientFor(ref);
    this.pulls++;
    return client.getManifest(ref.path, reference);
  }

  /**
   * Resolves `ref` into a full entry. `known` is the digest a HEAD already gave (the GET is then by digest, so the
   * bytes are checked against it); without it a HEAD is sent first.
   */
  async resolve(ref: Reference, input: string, wanted: WantedPlatforms, known?: Digest): Promise<LockEntry> {
    const name = canonicalOf(ref);
    const digest = known ?? ref.digest ?? (await this.head(ref));
    const top = await this.#get(ref, digest ?? lookupOf(ref));
    const base = { input, digest: top.digest, mediaType: top.mediaType, size: top.bytes.length };
    if (top.parsed.kind === 'index') {
      const index = top.parsed.index;
      const { platforms, attestations } = platformsOfIndex(index);
      for (const spec of wanted.specs) {
        try {
          selectManifest(index, spec);
        } catch (err) {
          throw withContext(err, `lock ${name}`);
        }
      }
      return { ...base, platforms, attestations, want: wanted.specs.map(wantKey) };
    }
    const manifest = top.parsed.manifest;
    const own = await this.#platformOfImage(ref, manifest);
    if (own === null) {
      // An artifact (no image config): nothing to choose, nothing to want.
      return { ...base, platforms: {}, attestations: {}, want: [] };
    }
    const key = formatPlatform(own);
    if (wanted.explicit) {
      for (const spec of wanted.specs) {
        try {
          requirePlatform(own, spec);
        } catch (err) {
          throw withContext(err, `lock ${name}`);
        }
      }
    }
    return {
      ...base,
      platforms: { [key]: { digest: top.digest, mediaType: top.mediaType, size: top.bytes.length } },
      attestations: {},
      // A single-platform image offers only its own platform; the host default takes that one.
      want: wanted.explicit ? wanted.specs.map(wantKey) : [key],
    };
  }

  async #platformOfImage(ref: Reference, manifest: ImageManifest): Promise<PlatformSpec | null> {
    if (!IMAGE_CONFIGS.has(manifest.config.mediaType)) return null;
    const client = await this.#clientFor(ref);
    const bytes = await client.getBlobBytes(ref.path, manifest.config);
    const platform = configPlatform(bytes);
    if (!platform) {
      throw new OcipullError(
        'E_MANIFEST_INVALID',
        `lock ${canonicalOf(ref)}: the image config names no os/architecture`,
      );
    }
    return platform;
  }
}

/** The tag or digest a request uses (the digest wins when both are given). */
export function lookupOf(ref: Reference): string {
  return ref.digest ?? ref.tag ?? 'latest';
}
