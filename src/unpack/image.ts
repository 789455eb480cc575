/**
 * Finding the image to unpack in a layout: the `index.json` entry by `ref.name`, through (nested) indexes by
 * platform, to an image manifest and its config. Every manifest and config is read whole (they are small, and
 * capped) and verified against its digest before it is trusted.
 */
import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { IntegrityError, OcipullError } from '../errors.js';
import { blobPath, REF_NAME, readIndex } from '../oci/layout/index.js';
import {
  type Descriptor,
  type Digest,
  DOCKER_CONFIG,
  type ImageConfig,
  ImageConfigSchema,
  type ImageIndex,
  type ImageManifest,
  OCI_IMAGE_CONFIG,
  type PlatformSpec,
  parseDigest,
  parseManifest,
  walkToImage,
} from '../oci/types/index.js';
import { errnoCode, ioError } from './fs-util.js';

const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
const MAX_CONFIG_BYTES = 32 * 1024 * 1024;

/** The image chosen in a layout. */
export interface ResolvedImage {
  manifestDigest: Digest;
  manifest: ImageManifest;
  config: ImageConfig;
}

/**
 * Resolves the image to unpack: the entry named `name` (or the only entry), then, for an index, the best
 * manifest for `platform`. Checks that the config has one diff ID per layer.
 */
export async function resolveImage(
  layout: string,
  name: string | undefined,
  platform: PlatformSpec,
): Promise<ResolvedImage> {
  const read = async (desc: Descriptor) => {
    const bytes = await readBlob(layout, desc, MAX_MANIFEST_BYTES, `manifest ${desc.digest}`);
    return { desc, parsed: parseManifest(bytes, desc.mediaType) };
  };
  const entry = selectEntry(await readIndex(layout), layout, name);
  const walked = await walkToImage(await read(entry), platform, read, name ? `${layout}:${name}` : layout);
  const config = await readConfig(layout, walked.image);
  return { manifestDigest: parseDigest(walked.manifest.desc.digest), manifest: walked.image, config };
}

/** The `index.json` entry to unpack; without a name, the only one. */
export function selectEntry(index: ImageIndex, layout: string, name: string | undefined): Descriptor {
  const names = index.manifests.map((d) => d.annotations?.[REF_NAME] ?? `(unnamed ${d.digest})`);
  if (name !== undefined) {
    const found = index.manifests.find((d) => d.annotations?.[REF_NAME] === name);
    if (found) return found;
    throw new OcipullError(
      'E_NOT_FOUND',
      `no image named ${JSON.stringify(name)} in ${layout}; it has ${names.length > 0 ? names.join(', ') : 'none'}`,
    );
  }
  const [only, ...others] = index.manifests;
  if (only === undefined) throw new OcipullError('E_NOT_FOUND', `the layout ${layout} holds no images`);
  if (others.length > 0) {
    throw new OcipullError(
      'E_USAGE',
      `the layout ${layout} holds ${names.length} images; name one of ${names.join(', ')}`,
    );
  }
  return only;
}

async function readConfig(layout: string, manifest: ImageManifest): Promise<ImageConfig> {
  const desc = manifest.config;
  if (desc.mediaType !== OCI_IMAGE_CONFIG && desc.mediaType !== DOCKER_CONFIG) {
    throw new OcipullError(
      'E_UNSUPPORTED',
      `the manifest is not a container image (config media type ${desc.mediaType}); nothing to unpack`,
    );
  }
  const bytes = await readBlob(layout, desc, MAX_CONFIG_BYTES, `config ${desc.digest}`);
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (err) {
    throw new OcipullError('E_MANIFEST_INVALID', `config ${desc.digest} is not valid JSON`, { cause: err });
  }
  const parsed = ImageConfigSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new OcipullError(
      'E_MANIFEST_INVALID',
      `config ${desc.digest} is not an image config: ${issue?.path.join('.') || '(root)'}: ${issue?.message}`,
    );
  }
  const { diff_ids } = parsed.data.rootfs;
  if (diff_ids.length !== manifest.layers.length) {
    throw new OcipullError(
      'E_MANIFEST_INVALID',
      `config ${desc.digest} lists ${diff_ids.length} diff IDs for ${manifest.layers.length} layers`,
    );
  }
  return parsed.data;
}

/** Reads a small blob whole, refusing symlinks, oversized blobs and content that does not match its digest. */
async function readBlob(layout: string, desc: Descriptor, cap: number, what: string): Promise<Uint8Array> {
  const digest = parseDigest(desc.digest);
  if (desc.size > cap) {
    throw new OcipullError(
      'E_MANIFEST_INVALID',
      `${what} is ${desc.size} bytes, more than the ${cap} allowed`,
    );
  }
  const path = blobPath(layout, digest);
  let bytes: Buffer;
  try {
    const fh = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
    try {
      const st = await fh.stat();
      if (!st.isFile() || st.size !== desc.size) {
        throw new IntegrityError(
          `${what}: blob has ${st.size} bytes, its descriptor says ${desc.size}`,
          { digest, size: desc.size },
          { size: st.size },
        );
      }
      bytes = await fh.readFile();
    } finally {
      await fh.close();
    }
  } catch (err) {
    if (err instanceof OcipullError) throw err;
    if (errnoCode(err) === 'ENOENT') {
      throw new OcipullError('E_BLOB_UNKNOWN', `${what} is missing from the layout ${layout}`, {
        hint: 'pull the image again',
      });
    }
    throw ioError('read blob', path, err);
  }
  const actual: Digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
  if (actual !== digest) {
    throw new IntegrityError(
      `${what}: blob hashes to ${actual}`,
      { digest, size: desc.size },
      {
        digest: actual,
        size: bytes.length,
      },
    );
  }
  return bytes;
}
