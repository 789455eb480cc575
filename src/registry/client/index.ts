export { type BlobResponse, type ManifestHead, type ManifestResult, RegistryClient } from './client.js';
export { type ErrorContext, errorFromResponse } from './errors.js';
export { nextLink } from './link.js';
export { type ClientOptions, resolveClientOptions, retryPolicy } from './options.js';
