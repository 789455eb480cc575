import { OcipullError } from '../errors.js';

/**
 * A configuration containers/image would refuse, or a bad `--mirror` / `OCIPULL_MIRRORS` / daemon.json value:
 * `E_MIRROR_CONFIG` (exit 2). `where` names the file or flag (`registries configuration "/etc/…"`), `problem`
 * what is wrong with it.
 */
export function mirrorConfigError(where: string, problem: string, hint?: string): OcipullError {
  return new OcipullError('E_MIRROR_CONFIG', `${where}: ${problem}`, { hint });
}

/** The `where` of a problem in a registries.conf file or drop-in. */
export function inFile(path: string): string {
  return `registries configuration ${JSON.stringify(path)}`;
}

/** Quotes a value for a message the way the rest of ocipull does. */
export function q(value: string): string {
  return JSON.stringify(value);
}
