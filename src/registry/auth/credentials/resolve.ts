import { credentialFromEnvConfig } from './env-config.js';
import { credentialFromFlags } from './flags.js';
import { lookupInFile } from './lookup.js';
import { authFileCandidates } from './paths.js';
import type { CredentialQuery, CredentialResult } from './types.js';

/**
 * Finds the credential for a registry; the first source that has one wins (PROTOCOL §5): command-line flags,
 * `DOCKER_AUTH_CONFIG`, then the auth files from `authFileCandidates`. Null means "go anonymous".
 */
export async function resolveCredential(q: CredentialQuery): Promise<CredentialResult | null> {
  const fromFlags = credentialFromFlags(q.flags);
  if (fromFlags !== null) return fromFlags;

  const envConfig = q.env.DOCKER_AUTH_CONFIG;
  if (envConfig !== undefined && envConfig.trim() !== '') {
    const credential = credentialFromEnvConfig(envConfig, q.domain);
    if (credential !== null) return { credential, source: 'DOCKER_AUTH_CONFIG' };
  }

  for (const file of authFileCandidates(q)) {
    const found = await lookupInFile(file, q);
    if (found !== null) return found;
  }
  return null;
}
