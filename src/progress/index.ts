export type { BlobKind, ProgressEvent, ProgressSink } from './events.js';
export { formatBytes, formatDuration, shortDigest } from './format.js';
export { jsonProgress, noProgress, type ProgressOutput, plainProgress, ttyProgress } from './renderers.js';
