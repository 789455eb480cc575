import { type Command, Option } from 'commander';
import { type Bind, examples } from './program-util.js';
import { addRegistryOptions, parseBool, parsePositive } from './registry-options.js';

/** lock, verify and sync: pinning images in CI. */
export function addLockCommands(program: Command, bind: Bind): void {
  const collect = (value: string, previous: string[] = []) => [...previous, value];
  addRegistryOptions(
    program
      .command('lock')
      .summary('pin images to digests in ocipull.lock (HEAD first: no Docker Hub pull for what did not move)')
      .description(
        'Resolve each REF (and the references of --from files: one per line with # comments, compose image: lines, ' +
          'Dockerfile FROM lines) to its digest and write or merge ocipull.lock: sorted keys, two-space indent, a ' +
          "trailing newline. Per reference: the top digest, each platform's manifest digest, attestations by the " +
          "platform they describe, and the platforms the project wants (--platform, repeatable; default the host's). " +
          'Locked entries are kept; --update re-resolves (all, or the REFs named) and prints old → new per platform.',
      )
      .argument('[ref...]', 'image references to lock')
      .option('-f, --file <file>', 'the lockfile (default: ./ocipull.lock)')
      .option(
        '--from <file>',
        'also lock the references in FILE (list, compose file or Dockerfile); repeatable',
        collect,
      )
      .option(
        '--platform <os/arch[/variant]>',
        "a platform the project wants; repeatable (default: the host's)",
        collect,
      )
      .option('--update', 're-resolve locked entries and report what moved')
      .option('--json', 'print {file, written, pulls, images: [{reference, input, status, digest, diff}]}'),
  )
    .addHelpText(
      'after',
      examples([
        'ocipull lock debian:12 ghcr.io/org/app:1.2 --platform linux/amd64 --platform linux/arm64',
        'ocipull lock --from Dockerfile --from compose.yaml',
        'ocipull lock --update                       # re-resolve everything, print old → new',
      ]),
    )
    .action(bind(async () => (await import('./commands/lock.js')).lockCommand));

  addRegistryOptions(
    program
      .command('verify')
      .summary('check that the locked images have not moved (exit 10 on drift)')
      .description(
        'Re-resolve every entry of ocipull.lock with a HEAD (a GET only for a digest that moved) and report ' +
          'unchanged, moved (with the new digest), "index moved, your platforms unchanged" or gone. Exit 0 when nothing ' +
          "the project wants moved, 10 on drift, the error's own code (2-9) when an entry could not be checked. " +
          'With --layout DIR it checks offline that the layout holds the locked digests for the wanted platforms.',
      )
      .option('-f, --file <file>', 'the lockfile (default: ./ocipull.lock)')
      .option('--layout <dir>', 'check an OCI layout offline instead of the registries')
      .option(
        '--json',
        'print {file, pulls, drift, errors, images: [{reference, status, old, new, platforms}]}',
      ),
  )
    .addHelpText('after', examples(['ocipull verify', 'ocipull verify --layout ./images --json']))
    .action(bind(async () => (await import('./commands/verify.js')).verifyCommand));

  addRegistryOptions(
    program
      .command('sync')
      .summary('copy every locked image, by digest, to a mirror registry, a layout or an archive')
      .description(
        'Copy every image of the lockfile by digest to DEST: a registry prefix (registry.internal/mirror + the ' +
          'source path; --scoped puts the source registry in front too, as skopeo sync), oci:DIR (one ref.name per ' +
          'image: its normalized reference) or oci-archive:FILE. Each image gets its wanted platform, or the whole ' +
          'index when it wants several (or --all-platforms). Blobs already there are skipped, so a re-sync moves only ' +
          'what changed. --creds, --plain-http and the TLS flags apply to the destination only; --src-creds, ' +
          '--src-cert-dir and --src-tls-verify to the sources.',
      )
      .argument('<dest>', 'registry[/prefix], oci:DIR or oci-archive:FILE')
      .option('-f, --file <file>', 'the lockfile (default: ./ocipull.lock)')
      .option('--scoped', 'prefix destination repositories with the source registry too')
      .option('--all-platforms', 'copy whole indexes (every platform and attestation)')
      .option('--keep-going', 'go on after a failed image and report the failures at the end')
      .option('--dry-run', 'list what would be copied, and what is already there, without copying')
      .option('--src-creds <user:password>', 'credentials for the source registry (one registry only)')
      .option('--src-cert-dir <dir>', 'also trust the CA certificates in DIR for the sources')
      .addOption(
        new Option(
          '--src-tls-verify [bool]',
          "verify the sources' TLS certificates (default true)",
        ).argParser(parseBool),
      )
      .addOption(
        new Option('--jobs <n>', 'parallel blob transfers per image').default(4).argParser(parsePositive),
      )
      .addOption(
        new Option('--progress <mode>', 'progress on stderr')
          .choices(['auto', 'tty', 'plain', 'json', 'none'])
          .default('none'),
      )
      .option('--json', 'print {file, destination, images: [...], failures: [...]}'),
  )
    .addHelpText(
      'after',
      examples([
        'ocipull sync registry.internal/mirror          # docker.io/library/debian:12 → registry.internal/mirror/library/debian:12',
        'ocipull sync --scoped registry.internal/mirror # → registry.internal/mirror/docker.io/library/debian:12',
        'ocipull sync --dry-run oci:./images',
        'ocipull sync --all-platforms oci-archive:images.tar',
      ]),
    )
    .action(bind(async () => (await import('./commands/sync.js')).syncCommand));
}
