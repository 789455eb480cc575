/**
 * Every media type ocipull knows, the one Accept list for manifest requests, and the predicates that classify
 * them. Modelled on ggcr's `pkg/v1/types/types.go`; values from image-spec `media-types.md` and distribution's
 * `manifest-v2-2.md` (PROTOCOL.md §2–3).
 */

/** OCI image index (a list of manifests, one per platform). */
export const OCI_IMAGE_INDEX = 'application/vnd.oci.image.index.v1+json';
/** OCI image manifest (config plus layers). */
export const OCI_IMAGE_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
/** OCI image config (architecture, os, rootfs diff IDs, history). */
export const OCI_IMAGE_CONFIG = 'application/vnd.oci.image.config.v1+json';
/** OCI layer, an uncompressed tar. */
export const OCI_LAYER = 'application/vnd.oci.image.layer.v1.tar';
/** OCI layer, a gzip-compressed tar; interchangeable with Docker's gzip layer type. */
export const OCI_LAYER_GZIP = 'application/vnd.oci.image.layer.v1.tar+gzip';
/** OCI layer, a zstd-compressed tar (Node 20 has no zstd, so layouts store it but cannot unpack it). */
export const OCI_LAYER_ZSTD = 'application/vnd.oci.image.layer.v1.tar+zstd';
/** Deprecated non-distributable OCI layer; it must still be pulled, possibly from its `urls`. */
export const OCI_LAYER_NONDISTRIBUTABLE = 'application/vnd.oci.image.layer.nondistributable.v1.tar';
/** Deprecated non-distributable OCI layer, gzip-compressed. */
export const OCI_LAYER_NONDISTRIBUTABLE_GZIP = 'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip';
/** Deprecated non-distributable OCI layer, zstd-compressed. */
export const OCI_LAYER_NONDISTRIBUTABLE_ZSTD = 'application/vnd.oci.image.layer.nondistributable.v1.tar+zstd';
/** The empty descriptor's type (blob `{}`), used as the config of artifacts that have none. */
export const OCI_EMPTY = 'application/vnd.oci.empty.v1+json';
/** The `oci-layout` file at the root of an image layout. */
export const OCI_LAYOUT_HEADER = 'application/vnd.oci.layout.header.v1+json';

/** Docker image manifest, schema 2. */
export const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
/** Docker manifest list, Docker's equivalent of an OCI index. */
export const DOCKER_MANIFEST_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';
/** Docker container image config. */
export const DOCKER_CONFIG = 'application/vnd.docker.container.image.v1+json';
/** Docker layer, an uncompressed tar. */
export const DOCKER_LAYER = 'application/vnd.docker.image.rootfs.diff.tar';
/** Docker layer, a gzip-compressed tar. */
export const DOCKER_LAYER_GZIP = 'application/vnd.docker.image.rootfs.diff.tar.gzip';
/** Docker foreign layer, uncompressed; fetched from its `urls`, never pushed (containers/image names it). */
export const DOCKER_FOREIGN_LAYER = 'application/vnd.docker.image.rootfs.foreign.diff.tar';
/** Docker foreign layer, gzip-compressed (Windows base layers); fetched from its `urls`, never pushed. */
export const DOCKER_FOREIGN_LAYER_GZIP = 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip';
/** Docker plugin config. */
export const DOCKER_PLUGIN_CONFIG = 'application/vnd.docker.plugin.v1+json';
/** Docker schema 1 manifest: removed from Docker 28.2 and containerd 2.1, detected only to refuse it. */
export const DOCKER_SCHEMA1_MANIFEST = 'application/vnd.docker.distribution.manifest.v1+json';
/** Signed (JWS) Docker schema 1 manifest, detected only to refuse it. */
export const DOCKER_SCHEMA1_SIGNED_MANIFEST = 'application/vnd.docker.distribution.manifest.v1+prettyjws';

/**
 * The one Accept list for manifest requests: OCI index, OCI manifest, Docker list, Docker v2 (ggcr
 * `allManifestMediaTypes`). Schema 1 is left out so that registries do not convert to it.
 */
export const MANIFEST_ACCEPT: readonly string[] = Object.freeze([
  OCI_IMAGE_INDEX,
  OCI_IMAGE_MANIFEST,
  DOCKER_MANIFEST_LIST,
  DOCKER_MANIFEST,
]);

const layerTypes: ReadonlySet<string> = new Set([
  OCI_LAYER,
  OCI_LAYER_GZIP,
  OCI_LAYER_ZSTD,
  OCI_LAYER_NONDISTRIBUTABLE,
  OCI_LAYER_NONDISTRIBUTABLE_GZIP,
  OCI_LAYER_NONDISTRIBUTABLE_ZSTD,
  DOCKER_LAYER,
  DOCKER_LAYER_GZIP,
  DOCKER_FOREIGN_LAYER,
  DOCKER_FOREIGN_LAYER_GZIP,
]);

/** True for an OCI index or a Docker manifest list: documents whose entries are chosen by platform. */
export function isIndexMediaType(mediaType: string): boolean {
  return mediaType === OCI_IMAGE_INDEX || mediaType === DOCKER_MANIFEST_LIST;
}

/** True for an OCI image manifest or a Docker schema 2 manifest: documents with a config and layers. */
export function isImageManifestMediaType(mediaType: string): boolean {
  return mediaType === OCI_IMAGE_MANIFEST || mediaType === DOCKER_MANIFEST;
}

/** True for either Docker schema 1 type, which ocipull refuses with a dedicated error. */
export function isSchema1MediaType(mediaType: string): boolean {
  return mediaType === DOCKER_SCHEMA1_MANIFEST || mediaType === DOCKER_SCHEMA1_SIGNED_MANIFEST;
}

/** True for every OCI or Docker layer type, distributable or not. */
export function isLayerMediaType(mediaType: string): boolean {
  return layerTypes.has(mediaType);
}

/** True for any `application/vnd.docker.*` type, the ones a conversion to OCI would rewrite. */
export function isDockerMediaType(mediaType: string): boolean {
  return mediaType.startsWith('application/vnd.docker.');
}

const dockerToOci: ReadonlyMap<string, string> = new Map([
  [DOCKER_MANIFEST, OCI_IMAGE_MANIFEST],
  [DOCKER_MANIFEST_LIST, OCI_IMAGE_INDEX],
  [DOCKER_CONFIG, OCI_IMAGE_CONFIG],
  [DOCKER_LAYER, OCI_LAYER],
  [DOCKER_LAYER_GZIP, OCI_LAYER_GZIP],
  [DOCKER_FOREIGN_LAYER, OCI_LAYER_NONDISTRIBUTABLE],
  [DOCKER_FOREIGN_LAYER_GZIP, OCI_LAYER_NONDISTRIBUTABLE_GZIP],
]);

/**
 * The OCI equivalent of a Docker media type, as skopeo maps it when writing an `oci:` layout (PROTOCOL.md §3).
 * OCI types, and types without an equivalent (plugin config, schema 1, artifacts), come back unchanged.
 */
export function toOciMediaType(mediaType: string): string {
  return dockerToOci.get(mediaType) ?? mediaType;
}
