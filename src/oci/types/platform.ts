/**
 * Platforms: parse `os/arch[/variant]`, normalize as containerd/platforms does (`database.go` `normalizeArch`),
 * format, and pick the default for this host. Choosing an index entry lives in `platform-select.ts`.
 */
import { OcipullError } from '../../errors.js';

/** The platform a user asks for; a parsed index `Platform` also fits this shape. */
export interface PlatformSpec {
  os: string;
  architecture: string;
  variant?: string | undefined;
}

const componentPattern = /^[A-Za-z0-9_.-]+$/;

/**
 * Architectures accepted alone (`--platform arm64` is linux/arm64), as docker and containerd/platforms `Parse`
 * read a one-part specifier that names a known architecture (`isKnownArch` in containerd's `database.go`).
 */
const knownArchitectures = new Set([
  ...['386', 'amd64', 'amd64p32', 'arm', 'armbe', 'arm64', 'arm64be', 'ppc64', 'ppc64le', 'loong64'],
  ...['mips', 'mipsle', 'mips64', 'mips64le', 'mips64p32', 'mips64p32le', 'ppc', 'riscv', 'riscv64'],
  ...['s390', 's390x', 'sparc', 'sparc64', 'wasm', 'x86_64', 'x86-64', 'aarch64', 'armhf', 'armel', 'i386'],
]);

/**
 * Parses `os/arch[/variant]` (e.g. `linux/arm64/v8`), or an architecture alone (`arm64`: linux/arm64), into a
 * normalized platform; throws `E_INVALID_PLATFORM`.
 */
export function parsePlatform(specifier: string): PlatformSpec {
  if (knownArchitectures.has(specifier.toLowerCase())) {
    return normalizePlatform({ os: 'linux', architecture: specifier });
  }
  const parts = specifier.split('/');
  if ((parts.length !== 2 && parts.length !== 3) || !parts.every((part) => componentPattern.test(part))) {
    throw new OcipullError('E_INVALID_PLATFORM', `invalid platform ${JSON.stringify(specifier)}`, {
      hint: 'use os/arch[/variant] or an architecture alone, for example linux/amd64, linux/arm/v7 or arm64',
    });
  }
  const [os, architecture, variant] = parts as [string, string, string | undefined];
  return normalizePlatform({ os, architecture, variant });
}

/**
 * The canonical form of a platform, so that `x86_64`, `aarch64/v8` or `armhf` compare equal to what indexes use:
 * lower case, amd64 without v1, arm64 without v8, arm always with a variant (v7 by default), macos as darwin.
 */
export function normalizePlatform(platform: PlatformSpec): PlatformSpec {
  let os = platform.os.toLowerCase();
  if (os === 'macos') os = 'darwin';
  let architecture = platform.architecture.toLowerCase();
  let variant = (platform.variant ?? '').toLowerCase();
  switch (architecture) {
    case 'i386':
      architecture = '386';
      variant = '';
      break;
    case 'x86_64':
    case 'x86-64':
    case 'amd64':
      architecture = 'amd64';
      if (variant === 'v1') variant = '';
      break;
    case 'aarch64':
    case 'arm64':
      architecture = 'arm64';
      if (variant === '8' || variant === 'v8' || variant === 'v8.0') variant = '';
      break;
    case 'armhf':
      architecture = 'arm';
      variant = 'v7';
      break;
    case 'armel':
      architecture = 'arm';
      variant = 'v6';
      break;
    case 'arm':
      if (variant === '' || variant === '7') variant = 'v7';
      else if (variant === '5' || variant === '6' || variant === '8') variant = `v${variant}`;
      break;
  }
  return variant === '' ? { os, architecture } : { os, architecture, variant };
}

/** `linux/arm64/v8` style; the variant is left out when absent. */
export function formatPlatform(platform: PlatformSpec): string {
  return [platform.os, platform.architecture, platform.variant]
    .filter((part) => part !== undefined && part !== '')
    .join('/');
}

/**
 * The default platform to pull: Linux on the host's CPU, also on macOS and Windows, where containers run in a
 * Linux VM. Takes Node's names as parameters so tests can cover every host.
 */
export function hostPlatform(
  _nodePlatform: NodeJS.Platform = process.platform,
  nodeArch: NodeJS.Architecture = process.arch,
): PlatformSpec {
  // Only the architecture depends on the host: `_nodePlatform` is unused because the OS is Linux everywhere.
  switch (nodeArch) {
    case 'x64':
      return { os: 'linux', architecture: 'amd64' };
    case 'ia32':
      return { os: 'linux', architecture: '386' };
    case 'arm':
      // Node doesn't say which ARM variant it runs on; v7 is containerd's default too.
      return { os: 'linux', architecture: 'arm', variant: 'v7' };
    case 'ppc64':
      // Node's Linux ppc64 builds are little-endian; images name that ppc64le.
      return { os: 'linux', architecture: 'ppc64le' };
    default:
      return { os: 'linux', architecture: nodeArch };
  }
}
