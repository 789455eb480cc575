/** The library calls that only read (or re-tag) manifests: no blob is downloaded. */
import { type TagResult, tagImage } from '../copy/index.js';
import { isOcipullError, OcipullError } from '../errors.js';
import { type InspectReport, inspectImage, resolveDigest as resolveDigestOf } from '../inspect/index.js';
import { parsePlatform } from '../oci/types/index.js';
import type { Reference } from '../reference/index.js';
import { canonicalOf, parseReference, parseRepository, repositoryOf } from '../reference/index.js';
import type { RegistryClient, RepositoryReader } from '../registry/client/index.js';
import { type RateLimit, RegistryError } from '../registry/transport/index.js';
import { type CommonOptions, platformOf, type Runtime, runOperation } from './options.js';
import {
  type DigestResult,
  digestResultOf,
  RATELIMIT_PROBE,
  type RateLimitResult,
  rateLimitJson,
  type TagsResult,
} from './results.js';

/** Options of the calls that take a platform. */
export interface PlatformOptions extends CommonOptions {
  /** `os/arch[/variant]` to choose from an index (inspect's default: the host's architecture, linux). */
  platform?: string | undefined;
}

async function withClient<T>(
  rt: Runtime,
  ref: { domain: string; path: string },
  body: (c: RegistryClient) => Promise<T>,
): Promise<T> {
  const client = await rt.open(ref.domain, ref.path);
  try {
    return await body(client);
  } finally {
    await client.close();
  }
}

async function withRepo<T>(
  rt: Runtime,
  ref: Reference,
  body: (r: RepositoryReader) => Promise<T>,
): Promise<T> {
  const repo = await rt.openRepo(ref);
  try {
    return await body(repo);
  } finally {
    await repo.close();
  }
}

/** Describes an image without downloading its layers: the object `ocipull inspect --json` prints. */
export function inspect(reference: string, options: PlatformOptions = {}): Promise<InspectReport> {
  return runOperation(`inspect ${reference}`, options, (rt) => {
    const ref = parseReference(reference);
    return withRepo(rt, ref, (r) =>
      inspectImage(r, ref, platformOf(options.platform), options.platform !== undefined),
    );
  });
}

/**
 * The digest a reference points to, from a HEAD request (no Docker Hub pull is spent); with `platform`, the
 * digest of that platform's image in the index. The object `ocipull digest --json` prints.
 */
export function resolveDigest(reference: string, options: PlatformOptions = {}): Promise<DigestResult> {
  return runOperation(`digest ${reference}`, options, (rt) => {
    const ref = parseReference(reference);
    const platform = options.platform ? parsePlatform(options.platform) : undefined;
    return withRepo(rt, ref, async (r) =>
      digestResultOf(reference, repositoryOf(ref), await resolveDigestOf(r, ref, platform)),
    );
  });
}

/** Every tag of a repository, following `Link` pages: the object `ocipull tags --json` prints. */
export function listTags(repository: string, options: CommonOptions = {}): Promise<TagsResult> {
  return runOperation(`tags ${repository}`, options, (rt) => {
    const repo = parseRepository(repository);
    return withClient(rt, repo, async (c) => ({
      repository: repositoryOf(repo),
      tags: await c.listTags(repo.path),
    }));
  });
}

/**
 * Docker Hub's pull quota from a HEAD request, which costs nothing (default: `ratelimitpreview/test`). A spent
 * quota (429) is still an answer with its figures. The object `ocipull ratelimit --json` prints.
 */
export function rateLimit(reference?: string, options: CommonOptions = {}): Promise<RateLimitResult> {
  const input = reference ?? RATELIMIT_PROBE;
  return runOperation(`ratelimit ${input}`, options, (rt) => {
    const ref = parseReference(input);
    return withClient(rt, ref, async (c) => {
      let rl: RateLimit;
      try {
        rl = (await c.headManifest(ref.path, ref.digest ?? ref.tag ?? 'latest')).rateLimit;
      } catch (err) {
        if (!(err instanceof RegistryError) || !err.rateLimit.set || !isOcipullError(err)) throw err;
        rl = err.rateLimit;
      }
      return rateLimitJson(canonicalOf(ref), ref.domain, rl);
    });
  });
}

/** A tag as `[\w][\w.-]{0,127}` (distribution/reference); a usage error otherwise. */
export function checkTag(tag: string): string {
  if (!/^[\w][\w.-]{0,127}$/.test(tag)) {
    throw new OcipullError('E_USAGE', `tag: ${JSON.stringify(tag)} is not a valid tag`, {
      hint: 'a tag is up to 128 letters, digits, _, . and -, not starting with . or -; give tags only, not repositories',
    });
  }
  return tag;
}

/**
 * Puts the manifest `reference` names under more tags of the same repository; no blob moves. The object
 * `ocipull tag --json` prints.
 */
export function tag(
  reference: string,
  tags: string | readonly string[],
  options: CommonOptions = {},
): Promise<TagResult> {
  return runOperation(`tag ${reference}`, options, (rt) => {
    const ref = parseReference(reference.startsWith('docker://') ? reference.slice(9) : reference);
    const wanted = (typeof tags === 'string' ? [tags] : [...tags]).map(checkTag);
    return withClient(rt, ref, (c) => tagImage(c, ref, wanted));
  });
}
