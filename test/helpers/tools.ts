/**
 * Detection of the external tools that integration tests drive (docker-registry, skopeo, umoci, …).
 *
 * On a laptop a missing tool skips the suites that need it, loudly; in CI (`CI` set) it fails them, because a
 * silently skipped integration suite is how regressions reach a release. See /work/shared/TESTING.md.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { describe } from 'vitest';

/** The Debian package that provides each tool, for the install hint. */
const debianPackages: Record<string, string> = {
  'docker-registry': 'docker-registry',
  skopeo: 'skopeo',
  umoci: 'umoci',
  'oci-image-tool': 'oci-image-tool',
  openssl: 'openssl',
  perl: 'perl-base',
};

/** Whether we run in CI: `CI` is set to anything but '', '0' or 'false' (the convention of std-env and is-ci). */
export function isCi(env: NodeJS.ProcessEnv = process.env): boolean {
  const value = env.CI;
  return value !== undefined && value !== '' && value !== '0' && value.toLowerCase() !== 'false';
}

/** Whether an executable called `name` exists in a directory of `PATH`. */
export function hasTool(name: string, path: string = process.env.PATH ?? ''): boolean {
  for (const dir of path.split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, name);
    try {
      if (!statSync(candidate).isFile()) continue;
      accessSync(candidate, constants.X_OK);
      return true;
    } catch {
      // not here; try the next directory
    }
  }
  return false;
}

function installHint(names: readonly string[]): string {
  const packages = [...new Set(names.map((name) => debianPackages[name] ?? name))];
  return `apt-get install ${packages.join(' ')}`;
}

/**
 * Checks that every tool in `names` is on PATH.
 *
 * Returns true when all are present. When some are missing it throws in CI (so the calling test file fails) and
 * otherwise prints a loud `console.warn` naming the skipped tests (`usedBy`) and returns false.
 */
export function requireTools(names: readonly string[], usedBy = 'the tests that need them'): boolean {
  const missing = names.filter((name) => !hasTool(name));
  if (missing.length === 0) return true;
  const list = missing.join(', ');
  if (isCi()) {
    throw new Error(`${list} ${missing.length === 1 ? 'is' : 'are'} required in CI: ${installHint(missing)}`);
  }
  console.warn(
    `\n!!! SKIPPING ${usedBy}: ${list} not found on PATH (${installHint(missing)}). ` +
      'In CI (CI=1) this is a failure.\n',
  );
  return false;
}

/**
 * Checks that the tool `name` is on PATH: true if present; if missing, throws in CI and otherwise warns loudly
 * and returns false, so the caller can `describe.skipIf(!requireTool('skopeo'))`.
 */
export function requireTool(name: string, usedBy?: string): boolean {
  return requireTools([name], usedBy);
}

/** `describe(title, fn)` when all `names` are on PATH; otherwise a skipped describe (or a failure in CI). */
export function describeWithTools(names: readonly string[], title: string, fn: () => void): void {
  const ok = requireTools(names, `"${title}"`);
  describe.skipIf(!ok)(title, fn);
}
