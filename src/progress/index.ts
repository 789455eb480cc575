export type { BlobKind, ProgressEvent, ProgressSink } from './events.js';
export { formatBytes, formatDuration, shortDigest } from './format.js';
export { jsonProgress, noProgress, type ProgressOutput, plainProgress } from './renderers.js';
export { fitLine, ttyProgress } from './tty-renderer.js';
