/**
 * Public surface of `copy`: the copy engine and its ends. `pull`, `pull --format …`, `push` and `copy` are all
 * `copyImage` with different ends; `tagImage` re-tags within one repository without moving blobs.
 */
export { ArchiveDestination, type ArchiveDestinationOptions } from './archive-destination.js';
export { type CopyOptions, type CopyResult, copyImage } from './copy.js';
export { type DockerArchiveOptions, DockerArchiveSource } from './docker-archive-source.js';
export { describeEndpoint, type Endpoint, isPathLike, parseEndpoint } from './endpoint.js';
export { LayoutDestination, type LayoutDestinationOptions } from './layout-destination.js';
export { LayoutSource } from './layout-source.js';
export { defaultName } from './names.js';
export { RegistryDestination, type RegistryDestinationOptions } from './registry-destination.js';
export { RegistrySource } from './registry-source.js';
export { type TagResult, tagImage } from './tag.js';
export type { ImageDestination, ImageSource } from './types.js';
