import { OcipullError } from '../../../errors.js';
import {
  type DockerConfig,
  parseDockerConfig,
  parseJsonText,
  parseLegacyConfig,
  readConfigText,
} from './config-file.js';
import { credentialFromEntry } from './entry.js';
import { runHelperGet } from './helper.js';
import { dockerConfigKey, findHostEntries, namespacedKeys } from './keys.js';
import type { AuthFileCandidate } from './paths.js';
import type { CredentialQuery, CredentialResult } from './types.js';

/**
 * The credential helper that owns `domain` in a config, as docker/cli `getConfiguredCredentialStore` picks it:
 * `credHelpers[host]` (per registry host only), else `credsStore`.
 */
export function configuredHelper(
  config: DockerConfig,
  domain: string,
): { helper: string; setting: 'credHelpers' | 'credsStore' } | undefined {
  const perHost = findHostEntries(config.credHelpers ?? {}, domain).find(([, helper]) => helper !== '');
  if (perHost !== undefined) return { helper: perHost[1], setting: 'credHelpers' };
  if (config.credsStore) return { helper: config.credsStore, setting: 'credsStore' };
  return undefined;
}

/** Loads one candidate file, or undefined when it is absent and optional. */
async function loadCandidate(file: AuthFileCandidate): Promise<unknown> {
  const text = await readConfigText(file.path, file.label);
  if (text === undefined && file.required) {
    throw new OcipullError('E_IO', `read ${file.label}: no such file`, {
      hint: 'create it with `ocipull login --authfile`, or point to an existing file',
    });
  }
  return text === undefined ? undefined : parseJsonText(text, file.label);
}

/**
 * The credential one file holds for the query, or null. When a helper is configured for the host, only the
 * helper is asked: docker/cli then uses the file store for nothing but the user name, so inline `auths` entries
 * (often just `{}` markers) are not consulted.
 */
export async function lookupInFile(
  file: AuthFileCandidate,
  q: CredentialQuery,
): Promise<CredentialResult | null> {
  const data = await loadCandidate(file);
  if (data === undefined) return null;

  if (file.format === 'dockercfg') {
    const legacy = parseLegacyConfig(data, file.label);
    for (const [key, entry] of findHostEntries(legacy, q.domain, true)) {
      const credential = credentialFromEntry(entry, `${file.label} entry "${key}"`);
      if (credential !== null) return { credential, source: file.label };
    }
    return null;
  }

  const config = parseDockerConfig(data, file.label);
  const helper = configuredHelper(config, q.domain);
  if (helper !== undefined) {
    const credential = await runHelperGet({
      helper: helper.helper,
      serverUrl: dockerConfigKey(q.domain),
      env: q.env,
      origin: { file: file.label, setting: helper.setting },
      timeoutMs: q.helperTimeoutMs,
    });
    return credential === null
      ? null
      : { credential, source: `${file.label} (${helper.setting}: ${helper.helper})` };
  }

  const auths = config.auths ?? {};
  const exact = namespacedKeys(q.domain, q.path)
    .filter((key) => Object.hasOwn(auths, key))
    .map((key): [string, (typeof auths)[string]] => [key, auths[key]!]);
  for (const [key, entry] of [...exact, ...findHostEntries(auths, q.domain)]) {
    const credential = credentialFromEntry(entry, `${file.label} entry "${key}"`);
    if (credential !== null) return { credential, source: file.label };
  }
  return null;
}
