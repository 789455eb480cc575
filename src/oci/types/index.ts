/**
 * Public surface of `oci/types`: media types, digests, zod schemas, manifest parsing and platform selection.
 * Pure code; imports only zod, `node:crypto` and errors. `zod-issue.ts` stays internal: callers get its one-line
 * messages inside `OcipullError`, not the formatter.
 */
export type { Digest } from './digest.js';
export {
  digestHex,
  EMPTY_JSON_DIGEST,
  isDigest,
  isWellFormedDigest,
  parseDigest,
  sha256Digest,
} from './digest.js';
export { MAX_INDEX_DEPTH, type WalkResult, walkToImage } from './index-walk.js';
export type { ParsedManifest } from './manifest.js';
export { parseManifest } from './manifest.js';
export {
  DOCKER_CONFIG,
  DOCKER_FOREIGN_LAYER,
  DOCKER_FOREIGN_LAYER_GZIP,
  DOCKER_LAYER,
  DOCKER_LAYER_GZIP,
  DOCKER_MANIFEST,
  DOCKER_MANIFEST_LIST,
  DOCKER_PLUGIN_CONFIG,
  DOCKER_SCHEMA1_MANIFEST,
  DOCKER_SCHEMA1_SIGNED_MANIFEST,
  isDockerMediaType,
  isImageManifestMediaType,
  isIndexMediaType,
  isLayerMediaType,
  isSchema1MediaType,
  MANIFEST_ACCEPT,
  OCI_EMPTY,
  OCI_IMAGE_CONFIG,
  OCI_IMAGE_INDEX,
  OCI_IMAGE_MANIFEST,
  OCI_LAYER,
  OCI_LAYER_GZIP,
  OCI_LAYER_NONDISTRIBUTABLE,
  OCI_LAYER_NONDISTRIBUTABLE_GZIP,
  OCI_LAYER_NONDISTRIBUTABLE_ZSTD,
  OCI_LAYER_ZSTD,
  OCI_LAYOUT_HEADER,
  toOciMediaType,
} from './media-types.js';
export type { PlatformSpec } from './platform.js';
export { formatPlatform, hostPlatform, normalizePlatform, parsePlatform } from './platform.js';
export {
  configPlatform,
  isAttestation,
  listPlatforms,
  platformMatches,
  platformPreferences,
  requirePlatform,
  selectManifest,
} from './platform-select.js';
export type {
  ContainerConfig,
  Descriptor,
  DockerArchiveManifest,
  ImageConfig,
  ImageIndex,
  ImageManifest,
  Platform,
} from './schemas.js';
export {
  ContainerConfigSchema,
  DescriptorSchema,
  DigestStringSchema,
  DockerArchiveManifestSchema,
  HistorySchema,
  ImageConfigSchema,
  ImageIndexSchema,
  ImageManifestSchema,
  PlatformSchema,
} from './schemas.js';
