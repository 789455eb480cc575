/**
 * Image references: parsing `[registry/]repository[:tag][@digest]` with Docker's normalization, formatting them
 * back, and mapping the display domain to the host to connect to. Pure code, no I/O.
 *
 * Grammar helpers (`domainProblem`, `pathProblem`, ...) stay internal: callers parse whole references, so the
 * rules and their error messages live in one place.
 */

export { canonicalOf, familiarOf, repositoryOf } from './format.js';
export { connectHost, isLoopbackDomain } from './host.js';
export { parseReference, parseRepository } from './parse.js';
export { DOCKER_HUB_DOMAIN, DOCKER_HUB_HOST, type Reference } from './reference.js';
export { withDigest } from './with-digest.js';
