import { canonicalOf, type Reference } from '../reference/index.js';
import { putManifest, type RegistryClient } from '../registry/client/index.js';

/** What `tag` did. */
export interface TagResult {
  reference: string;
  digest: string;
  mediaType: string;
  tags: string[];
}

/**
 * Puts the manifest `ref` names under more tags of the same repository: a HEAD for the digest, one GET of the
 * manifest bytes (by digest, so what is tagged is exactly what was resolved) and a PUT per tag. No blob moves.
 */
export async function tagImage(
  client: RegistryClient,
  ref: Reference,
  tags: readonly string[],
): Promise<TagResult> {
  const head = await client.headManifest(ref.path, ref.digest ?? ref.tag ?? 'latest');
  const manifest = await client.getManifest(ref.path, head.digest ?? ref.digest ?? ref.tag ?? 'latest');
  for (const tag of tags) await putManifest(client, ref.path, tag, manifest);
  return {
    reference: canonicalOf(ref),
    digest: manifest.digest,
    mediaType: manifest.mediaType,
    tags: [...tags],
  };
}
