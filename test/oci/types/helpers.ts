/** Small helpers shared by the platform tests. */
import type { OcipullError } from '../../../src/errors.js';
import type { Platform, PlatformSpec } from '../../../src/oci/types/index.js';

/** `os/arch[/variant]` → platform, without normalizing, to build index entries as registries write them. */
export function spec(text: string): PlatformSpec & Platform {
  const [os = '', architecture = '', variant] = text.split('/');
  return variant === undefined ? { os, architecture } : { os, architecture, variant };
}

/** The error `fn` throws; fails the test when it returns. */
export function thrown(fn: () => unknown): OcipullError {
  try {
    fn();
  } catch (err) {
    return err as OcipullError;
  }
  throw new Error('expected a throw');
}
