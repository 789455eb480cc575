/** The environment a credential lookup sees. Callers pass `process.env`; tests pass a small literal. */
export type Env = Record<string, string | undefined>;

/**
 * A credential for one registry. `identity-token` is a refresh token: the token exchange sends it as
 * `grant_type=refresh_token` in an OAuth2 POST instead of using HTTP basic auth.
 */
export type Credential =
  | { kind: 'basic'; username: string; password: string }
  | { kind: 'identity-token'; username: string; identityToken: string };

/** A credential and where it came from. `source` is for humans and never holds a secret. */
export interface CredentialResult {
  credential: Credential;
  /** For example `--creds`, `auth.json /run/containers/0/auth.json` or `docker config /root/.docker/config.json (credHelpers: test)`. */
  source: string;
}

/** The credential flags a command accepts. */
export interface CredentialFlags {
  creds?: string | undefined;
  username?: string | undefined;
  password?: string | undefined;
  authfile?: string | undefined;
}

/**
 * One credential lookup. Nothing here reads `process.env`, `os.homedir()` or the real `/run`; callers pass them,
 * so tests can point every path into a temp dir.
 */
export interface CredentialQuery {
  /** Display domain from the reference: `docker.io`, `ghcr.io`, `localhost:5000`. */
  domain: string;
  /** Repository path such as `library/debian`, for namespaced auth.json keys (`host/ns/repo` → `host/ns` → `host`). */
  path?: string | undefined;
  flags?: CredentialFlags | undefined;
  env: Env;
  homedir: string;
  /** The user id for `/run/containers/$UID/auth.json`, used when `XDG_RUNTIME_DIR` is unset. Without it that file is skipped. */
  uid?: number | undefined;
  /** Root of `/run` for `<runDir>/containers/$UID/auth.json`; `/run` unless a test steers it. */
  runDir?: string | undefined;
  /**
   * `process.platform`; `linux` when absent. Off Linux the runtime-dir auth.json is not searched, as in
   * containers/image `getPathToAuthWithOS`.
   */
  platform?: string | undefined;
  /** How long a credential helper may take before it is killed; 30 s when absent. */
  helperTimeoutMs?: number | undefined;
}
