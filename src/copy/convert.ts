import {
  type Descriptor,
  type Digest,
  DOCKER_CONFIG,
  isDockerMediaType,
  OCI_IMAGE_CONFIG,
  OCI_IMAGE_INDEX,
  OCI_IMAGE_MANIFEST,
  sha256Digest,
  toOciMediaType,
} from '../oci/types/index.js';

/** A manifest as it will be written into the layout. */
export interface WrittenManifest {
  bytes: Buffer;
  digest: Digest;
  mediaType: string;
}

function convertDescriptor(d: Record<string, unknown>): Record<string, unknown> {
  const mediaType = typeof d.mediaType === 'string' ? d.mediaType : undefined;
  if (!mediaType) return d;
  return { ...d, mediaType: mediaType === DOCKER_CONFIG ? OCI_IMAGE_CONFIG : toOciMediaType(mediaType) };
}

/**
 * Rewrites a Docker v2 image manifest with OCI media types — the manifest's own, the config's and the layers' —
 * and nothing else, so config and layer digests stay the registry's (TESTING.md: what skopeo, umoci and
 * oci-image-tool accept). OCI manifests are returned byte for byte. The result has a new digest.
 */
export function convertImageManifest(bytes: Buffer, mediaType: string): WrittenManifest {
  if (!isDockerMediaType(mediaType)) return { bytes, digest: sha256Digest(bytes), mediaType };
  const doc = JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
  const out = {
    ...doc,
    mediaType: OCI_IMAGE_MANIFEST,
    config: convertDescriptor(doc.config as Record<string, unknown>),
    layers: (doc.layers as Record<string, unknown>[]).map(convertDescriptor),
  };
  const converted = Buffer.from(JSON.stringify(out));
  return { bytes: converted, digest: sha256Digest(converted), mediaType: OCI_IMAGE_MANIFEST };
}

/**
 * Rewrites an index (or Docker manifest list) so its entries point at the manifests as written: new digests,
 * sizes and media types for converted children, and the OCI index media type. Unchanged indexes keep their bytes.
 */
export function convertIndex(
  bytes: Buffer,
  mediaType: string,
  children: Map<string, WrittenManifest>,
): WrittenManifest {
  const doc = JSON.parse(bytes.toString('utf8')) as { manifests: Descriptor[] } & Record<string, unknown>;
  let changed = isDockerMediaType(mediaType);
  const manifests = doc.manifests.map((d) => {
    const w = children.get(d.digest);
    if (!w || (w.digest === d.digest && w.mediaType === d.mediaType)) return d;
    changed = true;
    return { ...d, mediaType: w.mediaType, digest: w.digest, size: w.bytes.length };
  });
  if (!changed) return { bytes, digest: sha256Digest(bytes), mediaType };
  const converted = Buffer.from(JSON.stringify({ ...doc, mediaType: OCI_IMAGE_INDEX, manifests }));
  return { bytes: converted, digest: sha256Digest(converted), mediaType: OCI_IMAGE_INDEX };
}
