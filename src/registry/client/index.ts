export { type BlobResponse, type ManifestHead, type ManifestResult, RegistryClient } from './client.js';
export { type ErrorContext, errorFromResponse } from './errors.js';
export { FallbackRepository, type RepositoryEndpoint } from './fallback-repository.js';
export { nextLink } from './link.js';
export {
  addToReferrersTag,
  type ManifestToPut,
  manifestExists,
  putManifest,
  subjectOf,
} from './manifest-put.js';
export { type ClientOptions, resolveClientOptions, retryPolicy } from './options.js';
export { pushScopes } from './push-errors.js';
export {
  directSource,
  type Fallback,
  type RepositoryReader,
  repositoryOn,
  type ServedBy,
} from './repository.js';
export { type BlobOpener, blobExists, type UploadOptions, type UploadOutcome, uploadBlob } from './upload.js';
