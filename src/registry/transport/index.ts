export { parseRetryAfter, type RetryPolicy, retryDelay, sleep } from './backoff.js';
export { BodyLimits, readCapped, readPrefix } from './body.js';
export { defaultCertDirs, loadExtraCa } from './certs.js';
export { createDispatcher, type DispatcherOptions } from './dispatcher.js';
export { isAbortError, isTransientNetworkError, toNetworkError } from './network-error.js';
export { describeRateLimit, formatWindow, parseRateLimit, type RateLimit } from './rate-limit.js';
export { redactHeaders, redactUrl } from './redact.js';
export {
  type Diagnostic,
  parseDiagnostics,
  RegistryError,
  type RegistryErrorInit,
} from './registry-error.js';
export {
  Transport,
  type TransportEvents,
  type TransportRequest,
  type TransportResponse,
} from './transport.js';
