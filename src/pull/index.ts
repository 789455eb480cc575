export { convertImageManifest, convertIndex, type WrittenManifest } from './convert.js';
export { type BlobJob, type BlobOutcome, fetchBlob } from './download.js';
export { Limiter } from './limiter.js';
export { type PlannedManifest, type PullPlan, planPull } from './plan.js';
export { defaultName, type PullOptions, type PullResult, pullImage } from './pull.js';
