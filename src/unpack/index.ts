/**
 * Public surface of `unpack`: extracting an image of an OCI layout into a rootfs directory, with whiteouts and
 * path confinement (PROTOCOL.md §9). Imports only `oci/layout`, `oci/types`, `errors` and tar-stream.
 * The path helpers (`resolveInRoot`, `cleanEntryName`) and the per-layer state stay internal: callers need the
 * two entry points and their result types, not the machinery.
 */
export { type ApplyLayerOptions, applyLayer, type LayerResult } from './apply-layer.js';
export type { SkipCounts } from './layer-state.js';
export type { UnpackOptions } from './options.js';
export { type UnpackResult, unpackImage } from './unpack-image.js';
