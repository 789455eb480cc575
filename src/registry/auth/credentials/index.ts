/**
 * Credential sources for registry auth: command-line flags, `DOCKER_AUTH_CONFIG`, containers `auth.json`,
 * Docker `config.json` with credential helpers, and the legacy `~/.dockercfg` (PROTOCOL §5). No network code.
 * Every function takes `env` and `homedir` explicitly; none reads `process.env` or `os.homedir()`.
 */
export { parseCredsFlag } from './flags.js';
export { dockerConfigKey } from './keys.js';
export type { WriteLoginOptions, WriteLoginResult, WriteLogoutOptions, WriteLogoutResult } from './login.js';
export { writeLogin, writeLogout } from './login.js';
export { resolveCredential } from './resolve.js';
export type { Credential, CredentialFlags, CredentialQuery, CredentialResult, Env } from './types.js';
