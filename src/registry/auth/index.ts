export {
  type Credential,
  type CredentialFlags,
  type CredentialQuery,
  type CredentialResult,
  dockerConfigKey,
  type Env,
  parseCredsFlag,
  resolveCredential,
  writeLogin,
  writeLogout,
} from './credentials/index.js';
export { validateRealm } from './realm.js';
export { AuthSession, type AuthSessionOptions } from './session.js';
export { fetchToken, type Token, type TokenRequest } from './token.js';
export { type Challenge, parseWwwAuthenticate } from './www-authenticate.js';
