/**
 * `docker-archive`: the tar `docker save` writes and `docker load` / skopeo's `docker-archive:` read. We write the
 * Docker 25+ shape (moby `image/tarexport/save.go`): `manifest.json` and `repositories` whose paths point at
 * `blobs/sha256/<hex>`, plus `oci-layout` and an `index.json`, so the same file is also an OCI layout. Layers go in
 * as stored (usually gzip); `docker load` and containers/image decompress them, and they are addressed by the
 * config's `rootfs.diff_ids`, which must therefore list one entry per layer.
 */
import { OcipullError } from '../errors.js';
import { REF_NAME } from '../oci/layout/index.js';
import {
  type Descriptor,
  type Digest,
  DOCKER_CONFIG,
  hostPlatform,
  ImageConfigSchema,
  type ImageManifest,
  isLayerMediaType,
  OCI_IMAGE_CONFIG,
  OCI_IMAGE_INDEX,
  type PlatformSpec,
  walkToImage,
} from '../oci/types/index.js';
import { type BlobFile, readDocument, readManifest, readNamedEntries, statBlob } from './layout-reader.js';
import { layoutEntries } from './oci-archive.js';
import { parseRepoTag } from './repo-tag.js';
import { type TarEntry, writeTar } from './tar-writer.js';

const IMAGE_NAME = 'io.containerd.image.name';

/** An image manifest chosen from the layout, with the descriptor that points at it. */
interface ResolvedImage {
  descriptor: Descriptor;
  file: BlobFile;
  manifest: ImageManifest;
}

/** Follows indexes from `entry` down to the image for `platform` (containerd's preference order). */
async function resolveImage(
  layout: string,
  entry: Descriptor,
  platform: PlatformSpec,
  operation: string,
): Promise<ResolvedImage> {
  const read = async (descriptor: Descriptor) => ({
    descriptor,
    ...(await readManifest(layout, descriptor, 'manifest', operation)),
  });
  const walked = await walkToImage(await read(entry), platform, read, layout);
  return { descriptor: walked.manifest.descriptor, file: walked.manifest.file, manifest: walked.image };
}

function blobName(digest: Digest): string {
  return `blobs/sha256/${digest.slice('sha256:'.length)}`;
}

/** Parses the config (read whole) for the layer diff IDs and platform that `manifest.json` and index.json need. */
function parseConfig(bytes: Buffer, digest: string, operation: string) {
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new OcipullError('E_MANIFEST_INVALID', `${operation}: config ${digest} is not valid JSON`);
  }
  const result = ImageConfigSchema.safeParse(json);
  if (!result.success) {
    throw new OcipullError('E_MANIFEST_INVALID', `${operation}: config ${digest} is not an image config`);
  }
  return result.data;
}

/**
 * Streams the image named `name` from a layout as a `docker save` tar: manifest.json [{Config, RepoTags, Layers}],
 * repositories, the config and layer blobs (paths `blobs/sha256/<hex>` as Docker 25+ writes them), plus
 * oci-layout/index.json so newer loaders can read it as OCI too. An index entry is resolved to `platform` (the
 * host's by default). `repoTag` such as `docker.io/library/debian:latest` is recorded as Docker does, `debian:latest`.
 * Everything is checked before the first byte is written; `out` is not ended.
 */
export async function writeDockerArchive(
  layout: string,
  out: NodeJS.WritableStream,
  opts: {
    name: string;
    repoTag: string;
    platform?: PlatformSpec | undefined;
    signal?: AbortSignal | undefined;
  },
): Promise<void> {
  const operation = `write docker-archive of ${layout}:${opts.name}`;
  const repoTag = parseRepoTag(opts.repoTag);
  const { entries } = await readNamedEntries(layout, opts.name, operation);
  const image = await resolveImage(layout, entries[0]!, opts.platform ?? hostPlatform(), operation);
  const { manifest } = image;
  const subject = `image ${image.file.digest}`;

  if (manifest.config.mediaType !== OCI_IMAGE_CONFIG && manifest.config.mediaType !== DOCKER_CONFIG) {
    throw new OcipullError(
      'E_UNSUPPORTED',
      `${operation}: ${subject} is not a container image (config type ${manifest.config.mediaType})`,
      { hint: 'docker load reads only container images; write it with --format oci-archive' },
    );
  }
  const config = await readDocument(layout, manifest.config, `config of ${subject}`, operation);
  const parsedConfig = parseConfig(config.bytes, config.file.digest, operation);
  const diffIds = parsedConfig.rootfs.diff_ids;
  if (diffIds.length !== manifest.layers.length) {
    throw new OcipullError(
      'E_MANIFEST_INVALID',
      `${operation}: config of ${subject} lists ${diffIds.length} diff_ids for ${manifest.layers.length} layers`,
      { hint: 'docker load and skopeo need one rootfs.diff_ids entry per layer; use --format oci-archive' },
    );
  }

  const blobs = new Map<Digest, BlobFile>([
    [image.file.digest, image.file],
    [config.file.digest, config.file],
  ]);
  const layerNames: string[] = [];
  const layerSources: Record<string, Record<string, unknown>> = {};
  for (const [i, layer] of manifest.layers.entries()) {
    const what = `layer ${i + 1} of ${subject}`;
    if (!isLayerMediaType(layer.mediaType)) {
      throw new OcipullError(
        'E_UNSUPPORTED',
        `${operation}: ${what} has type ${layer.mediaType}, not a layer`,
        {
          hint: 'docker load reads only container images; write it with --format oci-archive',
        },
      );
    }
    const file = await statBlob(layout, layer, what, operation);
    blobs.set(file.digest, file);
    layerNames.push(blobName(file.digest));
    // Docker records where foreign (non-distributable) layers came from, keyed by diff ID.
    if (layer.urls !== undefined && layer.urls.length > 0) {
      layerSources[diffIds[i]!] = {
        mediaType: layer.mediaType,
        size: layer.size,
        digest: layer.digest,
        urls: layer.urls,
        ...(layer.annotations === undefined ? {} : { annotations: layer.annotations }),
      };
    }
  }

  const { familiarRepository, tag, fullName } = repoTag;
  const manifestJson = [
    {
      Config: blobName(config.file.digest),
      RepoTags: tag === undefined ? [] : [`${familiarRepository}:${tag}`],
      Layers: layerNames,
      ...(Object.keys(layerSources).length > 0 ? { LayerSources: layerSources } : {}),
    },
  ];
  const platform = {
    architecture: parsedConfig.architecture,
    os: parsedConfig.os,
    ...(parsedConfig.variant === undefined ? {} : { variant: parsedConfig.variant }),
  };
  const index = {
    schemaVersion: 2 as const,
    mediaType: OCI_IMAGE_INDEX,
    manifests: [
      {
        mediaType: image.descriptor.mediaType,
        digest: image.file.digest,
        size: image.file.size,
        platform,
        ...(tag === undefined ? {} : { annotations: { [IMAGE_NAME]: fullName!, [REF_NAME]: tag } }),
      },
    ],
  };

  const tarEntries: TarEntry[] = [
    ...layoutEntries(index, blobs.values()),
    { kind: 'bytes', name: 'manifest.json', bytes: Buffer.from(`${JSON.stringify(manifestJson)}\n`) },
  ];
  const top = layerNames.at(-1);
  if (tag !== undefined && top !== undefined) {
    // The legacy `repositories` file maps the name to the top layer's ID, which Docker 25+ writes as the hex of
    // that layer's blob.
    const repositories = { [familiarRepository]: { [tag]: top.slice('blobs/sha256/'.length) } };
    tarEntries.push({
      kind: 'bytes',
      name: 'repositories',
      bytes: Buffer.from(`${JSON.stringify(repositories)}\n`),
    });
  }
  await writeTar(out, tarEntries, { operation, signal: opts.signal });
}
