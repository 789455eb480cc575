import { OcipullError } from '../../../errors.js';
import { resolveWriteTarget, writeSecretFileAtomic } from './atomic-write.js';
import { parseDockerConfig, parseJsonText, readConfigText } from './config-file.js';
import { runHelperErase, runHelperStore } from './helper.js';
import { dockerConfigKey, normalizeAuthKey, normalizeHost } from './keys.js';
import { configuredHelper } from './lookup.js';
import { dockerConfigPath, explicitAuthFile } from './paths.js';
import type { Env } from './types.js';

/** Options of `writeLogin`. */
export interface WriteLoginOptions {
  domain: string;
  username: string;
  password: string;
  /** Write here instead of the Docker config; `REGISTRY_AUTH_FILE` is the default, as for lookups. */
  authfile?: string | undefined;
  env: Env;
  homedir: string;
}

/** What `writeLogin` did. */
export interface WriteLoginResult {
  /** The file written (with a helper: only an empty `auths` entry, as docker writes it). */
  path: string;
  /**
   * Set when the file names a credential helper for the host (`credsStore`, or `credHelpers[host]`): the
   * credential went to it, e.g. `docker-credential-desktop (credsStore in docker config /home/me/.docker/config.json)`.
   */
  helper?: string;
}

/** Options of `writeLogout`. */
export interface WriteLogoutOptions {
  domain: string;
  authfile?: string | undefined;
  env: Env;
  homedir: string;
}

/** What `writeLogout` did. */
export interface WriteLogoutResult {
  path: string;
  /** False when the file held no entry for the registry (or does not exist). */
  removed: boolean;
  /** Set when the credential was erased through a helper, described as in `WriteLoginResult.helper`. */
  helper?: string;
}

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The file login and logout use: the named auth file (`authfile`, else `REGISTRY_AUTH_FILE`, so lookups that
 * read only that file see the login), else `$DOCKER_CONFIG/config.json` or `~/.docker/config.json`.
 */
function targetFile(authfile: string | undefined, env: Env, homedir: string): string {
  return explicitAuthFile(authfile, env)?.path ?? dockerConfigPath(env, homedir);
}

/** Reads the config to update as a plain object (`{}` when missing), keeping every key it has. */
async function readForUpdate(file: string): Promise<{ doc: JsonObject; exists: boolean }> {
  const text = await readConfigText(file, file);
  if (text === undefined) return { doc: {}, exists: false };
  const doc = parseJsonText(text, file);
  // Validate the parts we rely on; the loose schema keeps unknown keys, but we write back the raw object.
  parseDockerConfig(doc, file);
  if (!isObject(doc)) {
    throw new OcipullError('E_AUTH', `read ${file}: top level is not a JSON object`, {
      hint: 'fix or move the file',
    });
  }
  return { doc, exists: true };
}

/** Every non-namespaced key that names the same registry: `host`, `https://host/v1/`, the Docker Hub aliases. */
function sameRegistryKeys(auths: JsonObject, domain: string): string[] {
  const host = normalizeHost(domain);
  return Object.keys(auths).filter((key) => normalizeAuthKey(key, false) === host);
}

/** The helper the file names for the domain, as the lookup would ask it, with the options to run it. */
function helperFor(doc: JsonObject, file: string, domain: string, env: Env) {
  const helper = configuredHelper(parseDockerConfig(doc, file), domain);
  if (helper === undefined) return undefined;
  const origin = { file, setting: helper.setting };
  return {
    run: { helper: helper.helper, serverUrl: dockerConfigKey(domain), env, origin },
    describe: `docker-credential-${helper.helper} (${helper.setting} in ${file})`,
  };
}

/**
 * Saves a basic credential in Docker config format under `dockerConfigKey(domain)`, replacing other spellings
 * of the same registry's key and keeping every other key of the file. When the file names a credential helper for
 * the host, lookups ask only that helper, so the credential goes to `docker-credential-<name> store` and the file
 * gets an empty entry, as `docker login` does; a failing helper fails the login and the file stays as it was.
 */
export async function writeLogin(opts: WriteLoginOptions): Promise<WriteLoginResult> {
  if (opts.username === '' || opts.username.includes(':')) {
    throw new OcipullError('E_USAGE', 'login: the username must be non-empty and must not contain ":"');
  }
  if (opts.password === '') throw new OcipullError('E_USAGE', 'login: the password is empty');
  const path = await resolveWriteTarget(targetFile(opts.authfile, opts.env, opts.homedir));
  const { doc } = await readForUpdate(path);
  const helper = helperFor(doc, path, opts.domain, opts.env);
  if (helper !== undefined) {
    await runHelperStore({ ...helper.run, username: opts.username, secret: opts.password });
  }
  const auths: JsonObject = isObject(doc.auths) ? doc.auths : {};
  for (const key of sameRegistryKeys(auths, opts.domain)) delete auths[key];
  auths[dockerConfigKey(opts.domain)] =
    helper === undefined
      ? { auth: Buffer.from(`${opts.username}:${opts.password}`, 'utf8').toString('base64') }
      : {};
  doc.auths = auths;
  await writeSecretFileAtomic(path, `${JSON.stringify(doc, null, '\t')}\n`);
  return helper === undefined ? { path } : { path, helper: helper.describe };
}

/**
 * Removes the registry's entries (every non-namespaced spelling of its key, as docker/cli `logout` does) and
 * keeps the rest of the file; when the file names a credential helper for the host, the credential is first
 * erased with `docker-credential-<name> erase` (a failing helper fails the logout, the file unchanged). A missing
 * file, entry or stored credential is not an error.
 */
export async function writeLogout(opts: WriteLogoutOptions): Promise<WriteLogoutResult> {
  const path = await resolveWriteTarget(targetFile(opts.authfile, opts.env, opts.homedir));
  const { doc, exists } = await readForUpdate(path);
  const helper = exists ? helperFor(doc, path, opts.domain, opts.env) : undefined;
  const erased = helper === undefined ? false : await runHelperErase(helper.run);
  const auths = isObject(doc.auths) ? doc.auths : {};
  const keys = sameRegistryKeys(auths, opts.domain);
  for (const key of keys) delete auths[key];
  if (keys.length > 0) await writeSecretFileAtomic(path, `${JSON.stringify(doc, null, '\t')}\n`);
  const removed = erased || keys.length > 0;
  return helper === undefined ? { path, removed } : { path, removed, helper: helper.describe };
}
