import { Command, CommanderError, Option } from 'commander';
import { type CommandContext, createContext, type GlobalOptions } from './context.js';
import type { CliIo } from './io.js';
import { addRegistryOptions, parseBool, parsePositive, parseSize } from './registry-options.js';
import { checkShorthand } from './shorthand.js';
import { ocipullVersion } from './version.js';

/** A command handler: gets its positional arguments, its own options and the context; returns an exit code. */
export type Handler<A extends unknown[], O> = (args: A, options: O, ctx: CommandContext) => Promise<number>;

/** Holds the exit code of whichever action ran, since commander's actions return nothing to `parseAsync`. */
export interface ProgramState {
  exitCode: number;
}

function examples(lines: string[]): string {
  return `\nExamples:\n${lines.map((l) => `  $ ${l}`).join('\n')}\n`;
}

/**
 * Builds the commander program. Handlers are imported lazily so `ocipull --help` does not load the HTTP stack
 * (changesets' `src/cli.ts` does the same).
 */
export function buildProgram(io: CliIo, state: ProgramState): Command {
  const program = new Command('ocipull');

  function bind<A extends unknown[], O>(load: () => Promise<Handler<A, O>>) {
    return async (...raw: unknown[]) => {
      // commander passes (...positionals, options, command).
      const command = raw[raw.length - 1] as Command;
      const options = raw[raw.length - 2] as O;
      const args = raw.slice(0, -2) as A;
      const ctx = createContext(io, command.optsWithGlobals<GlobalOptions>());
      const handler = await load();
      state.exitCode = await handler(args, options, ctx);
    };
  }

  program
    .description('Daemonless container-image puller and inspector.')
    .version(ocipullVersion(), '-V, --version', 'print the version and exit')
    .option('--debug', 'print debugging detail (stack traces, requests, credential sources; never secrets)')
    .option('-q, --quiet', 'print only errors on stderr')
    .option('--no-color', 'never colour output (NO_COLOR and FORCE_COLOR are honoured too)')
    .helpOption('-h, --help', 'show help for a command')
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
      outputError: (s, write) => write(`ocipull: ${s.replace(/^error: /, '')}`),
    })
    .showSuggestionAfterError()
    .exitOverride()
    .addHelpText(
      'after',
      examples([
        'ocipull debian                       # pull docker.io/library/debian:latest into ./debian',
        'ocipull inspect alpine:3.20',
        'ocipull digest --full-ref ghcr.io/org/app:1.2',
        'ocipull ratelimit',
        'ocipull ref --json ghcr.io/org/app:1.2',
      ]),
    );

  addRegistryOptions(
    program
      .command('pull', { isDefault: true })
      .summary('pull an image into an OCI image layout (also: ocipull REF [DEST])')
      .description(
        'Pull an image into an OCI image layout directory (oci-layout, index.json, blobs/sha256/…) that skopeo, ' +
          'umoci, crane, podman and containerd read. Every blob is verified against its digest before it gets its ' +
          'name; interrupted pulls resume. Docker media types are rewritten to OCI ones (layer and config bytes and ' +
          'digests unchanged) unless --preserve-digests is given.',
      )
      .argument('<ref>', 'image reference, e.g. debian, ghcr.io/org/app:1.2')
      .argument(
        '[dest]',
        'layout directory, or archive file with --format (default: ./<last part of the repository>[.tar]; - for stdout)',
      )
      .option('--platform <os/arch[/variant]>', "platform to pull from an index (default: the host's, linux)")
      .option('--all-platforms', 'pull the whole index with every platform (and attestations)')
      .option(
        '--name <name>',
        'org.opencontainers.image.ref.name to write (default: the tag, or the digest hex)',
      )
      .option(
        '--preserve-digests',
        'write manifests byte for byte, keeping Docker media types and the registry digest',
      )
      .addOption(new Option('--jobs <n>', 'parallel blob downloads').default(4).argParser(parsePositive))
      .option('--verify', 'rehash blobs and manifests already in the layout, replacing damaged ones')
      .option('--force', 'write the layout into a non-empty directory that is not an OCI layout')
      .addOption(
        new Option('--progress <mode>', 'progress on stderr')
          .choices(['auto', 'tty', 'plain', 'json', 'none'])
          .default('auto'),
      )
      .addOption(
        new Option('--format <format>', 'what to write: an OCI layout directory, or a tar file')
          .choices(['oci', 'oci-archive', 'docker-archive'])
          .default('oci'),
      )
      .option('--locked', 'pull the digest the lockfile pins REF to (fails if REF is not locked)')
      .option('--lockfile <file>', 'the lockfile for --locked (default: ./ocipull.lock)')
      .option('--json', 'print the summary as one JSON object on stdout'),
  )
    .addHelpText(
      'after',
      examples([
        'ocipull debian                                  # → ./debian, host platform',
        'ocipull pull --format docker-archive debian debian.tar   # for `docker load`',
        'ocipull pull --format oci-archive alpine - | ctr import -',
        'ocipull pull --platform linux/arm64 alpine:3.20 ./alpine-arm64',
        'ocipull pull --all-platforms ghcr.io/org/app:1.2 ./app',
        'ocipull pull --json --progress=plain localhost:5000/team/app:dev ./out',
      ]),
    )
    .hook('preAction', (pull) => {
      // `ocipull REF [DEST]` without the word "pull": a typo of a command is not an image (README: the typo rule).
      if (program.args[0] !== 'pull') {
        checkShorthand(
          String(pull.args[0]),
          pull.args[1],
          program.commands.map((c) => c.name()),
        );
      }
    })
    .action(bind(async () => (await import('./commands/pull.js')).pullCommand));

  const transferOptions = (cmd: Command) =>
    cmd
      .option(
        '--platform <os/arch[/variant]>',
        'copy only this platform (default: the whole index, attestations included)',
      )
      .option('--preserve-digests', 'into a layout: keep manifests byte for byte (Docker media types stay)')
      .addOption(new Option('--jobs <n>', 'parallel blob transfers').default(4).argParser(parsePositive))
      .addOption(
        new Option(
          '--chunk-size <size>',
          'upload blobs in PATCH chunks of this size (e.g. 8MiB) instead of one PUT',
        ).argParser(parseSize),
      )
      .addOption(
        new Option('--progress <mode>', 'progress on stderr')
          .choices(['auto', 'tty', 'plain', 'json', 'none'])
          .default('auto'),
      )
      .option('--json', 'print the result as one JSON object on stdout');

  addRegistryOptions(
    transferOptions(
      program
        .command('copy')
        .summary('copy an image between registries, layouts and archives (byte for byte)')
        .description(
          'Copy an image from SRC to DST. Each side is a registry reference (bare, or docker://REF), an OCI layout ' +
            '(oci:DIR[:NAME], or ./DIR[:NAME]), oci-archive:FILE[:NAME] or docker-archive:FILE. Registry to registry is ' +
            'byte for byte: every manifest and blob keeps its digest. The whole index is copied (attestations ' +
            'included) unless --platform names one. Blobs already at the destination are skipped, blobs in another ' +
            'repository of the same registry are mounted, and manifests are written only after all their blobs.',
        )
        .argument(
          '<src>',
          'source: REF, docker://REF, oci:DIR[:NAME], oci-archive:FILE[:NAME], docker-archive:FILE',
        )
        .argument('<dst>', 'destination, in the same forms'),
    )
      .option('--src-creds <user:password>', 'credentials for the source registry')
      .option('--dest-creds <user:password>', 'credentials for the destination registry')
      .option('--src-cert-dir <dir>', 'also trust the CA certificates in DIR for the source')
      .option('--dest-cert-dir <dir>', 'also trust the CA certificates in DIR for the destination')
      .addOption(
        new Option('--src-tls-verify [bool]', "verify the source registry's TLS certificate").argParser(
          parseBool,
        ),
      )
      .addOption(
        new Option('--dest-tls-verify [bool]', "verify the destination registry's TLS certificate").argParser(
          parseBool,
        ),
      ),
    { credentials: false },
  )
    .option('--authfile <file>', 'read credentials for both sides only from this auth.json/config.json')
    .option('--locked', 'copy the digest the lockfile pins SRC to (fails if SRC is not locked)')
    .option('--lockfile <file>', 'the lockfile for --locked (default: ./ocipull.lock)')
    .addHelpText(
      'after',
      examples([
        'ocipull copy debian:12 registry.example.com/mirror/debian:12   # mirror, every platform',
        'ocipull copy --platform linux/arm64 alpine:3.20 localhost:5000/alpine:3.20',
        'ocipull copy ghcr.io/org/app:1.2 oci:./app:1.2',
        'ocipull copy oci-archive:app.tar docker://registry.example.com/team/app:1.2',
        'ocipull copy --src-creds u:p --dest-creds v:q quay.io/a/b:1 localhost:5000/b:1',
      ]),
    )
    .action(bind(async () => (await import('./commands/copy.js')).copyCommand));

  addRegistryOptions(
    transferOptions(
      program
        .command('push')
        .summary('push a local OCI layout or archive to a registry')
        .description(
          'Push an image from an OCI layout (oci:DIR[:NAME], ./DIR[:NAME] or DIR[:NAME]), oci-archive:FILE[:NAME] or ' +
            'docker-archive:FILE to REF: the same as `ocipull copy SOURCE REF`. --creds and the TLS flags apply to ' +
            'the registry.',
        )
        .argument('<source>', 'OCI layout directory[:name], oci-archive:FILE[:NAME] or docker-archive:FILE')
        .argument('<ref>', 'destination image reference'),
    ),
  )
    .addHelpText(
      'after',
      examples([
        'ocipull push ./debian:latest registry.example.com/mirror/debian:12',
        'ocipull push oci-archive:build/app.tar localhost:5000/team/app:dev',
        'ocipull push docker-archive:app.tar ghcr.io/org/app:1.2',
      ]),
    )
    .action(bind(async () => (await import('./commands/copy.js')).pushCommand));

  addRegistryOptions(
    program
      .command('tag')
      .summary('put an image under more tags of its repository (no blob moves)')
      .description(
        'Put the manifest REF names under each NEWTAG in the same repository: a HEAD, one manifest GET and a PUT ' +
          'per tag, so no blob is downloaded or uploaded.',
      )
      .argument('<ref>', 'image reference (tag or digest)')
      .argument('<newtag...>', 'tags to add, e.g. 1.2 stable')
      .option('--json', 'print {"reference","digest","mediaType","tags"}'),
  )
    .addHelpText(
      'after',
      examples([
        'ocipull tag registry.example.com/team/app:1.2.3 1.2 1 latest',
        'ocipull tag localhost:5000/app@sha256:… stable',
      ]),
    )
    .action(bind(async () => (await import('./commands/tag.js')).tagCommand));

  addRegistryOptions(
    program
      .command('unpack')
      .summary('unpack an image into a root filesystem directory')
      .description(
        'Apply the layers of an image, in order, onto DIR: whiteouts and opaque directories honoured, hardlinks, ' +
          'symlinks (targets kept verbatim), modes and mtimes; ownership and device nodes only as root. Every layer is ' +
          "verified against its digest and the config's diff_ids, and nothing is ever written outside DIR. " +
          'SOURCE is an OCI layout (./debian, or ./debian:NAME for one entry) or an image reference, pulled on the way.',
      )
      .argument('<source>', 'OCI layout directory[:name], or an image reference')
      .argument('<dir>', 'root filesystem directory (created; must be empty unless --force)')
      .option(
        '--platform <os/arch[/variant]>',
        "platform to choose from an index (default: the host's, linux)",
      )
      .option('--rootless', 'no chown and no device nodes (automatic when not running as root)')
      .option('--keep <layout>', 'when SOURCE is a reference: keep the pulled OCI layout here')
      .option('--force', 'unpack over a non-empty DIR')
      .addOption(
        new Option('--progress <mode>', 'progress on stderr')
          .choices(['auto', 'tty', 'plain', 'json', 'none'])
          .default('auto'),
      )
      .option('--locked', 'when SOURCE is a reference: unpack the digest the lockfile pins it to')
      .option('--lockfile <file>', 'the lockfile for --locked (default: ./ocipull.lock)')
      .option('--json', 'print the result as one JSON object'),
  )
    .addHelpText(
      'after',
      examples([
        'ocipull unpack ./debian ./rootfs',
        'ocipull unpack ./layout:v1.2 ./rootfs',
        'ocipull unpack --platform linux/arm64 alpine:3.20 ./alpine-rootfs',
      ]),
    )
    .action(bind(async () => (await import('./commands/unpack.js')).unpackCommand));

  program
    .command('ref')
    .summary('normalize image references')
    .description(
      'Parse and normalize image references the way docker and distribution/reference do: add the default registry ' +
        '(docker.io), the library/ namespace for one-part Docker Hub names, and the tag "latest" when neither tag nor ' +
        'digest is given. Prints one normalized reference per input.',
    )
    .argument('<ref...>', 'image references, e.g. debian, ghcr.io/org/app:1.2, localhost:5000/x@sha256:…')
    .addOption(new Option('--json', 'print one JSON object per input, one per line'))
    .addHelpText(
      'after',
      examples([
        'ocipull ref debian                      # docker.io/library/debian:latest',
        'ocipull ref --json debian               # {"input":"debian","domain":"docker.io",…}',
        'ocipull ref "[::1]:5000/team/app:v1"    # IPv6 registry with a port',
      ]),
    )
    .action(bind(async () => (await import('./commands/ref.js')).refCommand));

  addRegistryOptions(
    program
      .command('inspect')
      .summary('show what an image is, without downloading its layers')
      .description(
        'Show an image: reference, digest, media type, platforms of an index, the selected platform, created time, ' +
          'layers and sizes, entrypoint, cmd, env, working dir, user, ports and labels, and the Docker Hub quota ' +
          'when the registry reports one.',
      )
      .argument('<ref>', 'image reference')
      .option(
        '--platform <os/arch[/variant]>',
        "platform to choose from an index (default: the host's, linux)",
      )
      .option('--raw', 'print the manifest bytes exactly as served (with --config: the config bytes)')
      .option('--config', 'print the image config')
      .option('--json', 'print one JSON object'),
  )
    .addHelpText(
      'after',
      examples([
        'ocipull inspect debian',
        'ocipull inspect --platform linux/arm64 ghcr.io/org/app:1.2',
        'ocipull inspect --raw alpine | sha256sum      # equals `ocipull digest alpine`',
        'ocipull inspect --config --json localhost:5000/app:dev',
      ]),
    )
    .action(bind(async () => (await import('./commands/inspect.js')).inspectCommand));

  addRegistryOptions(
    program
      .command('digest')
      .summary('print the digest a tag points to (HEAD: costs no Docker Hub pull)')
      .description('Resolve a reference to its manifest digest with a HEAD request, for pinning tags in CI.')
      .argument('<ref>', 'image reference')
      .option('--platform <os/arch[/variant]>', "the digest of this platform's image instead of the index")
      .option('--full-ref', 'print domain/path@sha256:… instead of the bare digest')
      .option('--json', 'print one JSON object'),
  )
    .addHelpText(
      'after',
      examples([
        'ocipull digest debian:12',
        'ocipull digest --full-ref ghcr.io/org/app:1.2   # ghcr.io/org/app@sha256:…',
        'ocipull digest --platform linux/arm64 alpine',
      ]),
    )
    .action(bind(async () => (await import('./commands/digest.js')).digestCommand));

  addRegistryOptions(
    program
      .command('tags')
      .summary('list the tags of a repository')
      .description("List every tag of a repository, following the registry's pagination.")
      .argument('<repo>', 'repository, e.g. debian or ghcr.io/org/app (no tag)')
      .option('--json', 'print {"repository","tags"}'),
  )
    .addHelpText('after', examples(['ocipull tags debian', 'ocipull tags --json localhost:5000/team/app']))
    .action(bind(async () => (await import('./commands/tags.js')).tagsCommand));

  addRegistryOptions(
    program
      .command('ratelimit')
      .summary("show Docker Hub's pull quota without spending a pull")
      .description(
        'Show ratelimit-limit, ratelimit-remaining and docker-ratelimit-source from a HEAD request, which Docker Hub ' +
          'does not count. Without REF it asks about docker.io/ratelimitpreview/test. Pass credentials to see an ' +
          "account's quota instead of the IP's.",
      )
      .argument('[ref]', 'image reference (default: docker.io/ratelimitpreview/test)')
      .option('--json', 'print one JSON object'),
  )
    .addHelpText(
      'after',
      examples(['ocipull ratelimit', 'ocipull ratelimit --json --creds "$USER:$TOKEN" debian']),
    )
    .action(bind(async () => (await import('./commands/ratelimit.js')).ratelimitCommand));

  addRegistryOptions(
    program
      .command('login')
      .summary('check and save credentials for a registry')
      .description(
        "Check credentials against the registry, then save them in Docker's config.json format ($DOCKER_CONFIG/" +
          'config.json or ~/.docker/config.json, or --authfile). Prompts on a terminal; in scripts use --username ' +
          'with --password-stdin.',
      )
      .argument('[registry]', 'registry host[:port] (default: docker.io)'),
    { credentials: false },
  )
    .option('--username <user>', 'user name')
    .option('--password-stdin', 'read the password from standard input')
    .option('--authfile <file>', 'save to this file instead of the Docker config')
    .addHelpText(
      'after',
      examples([
        'ocipull login ghcr.io',
        'echo "$TOKEN" | ocipull login --username me --password-stdin quay.io',
      ]),
    )
    .action(bind(async () => (await import('./commands/login.js')).loginCommand));

  program
    .command('logout')
    .summary('remove saved credentials for a registry')
    .argument('[registry]', 'registry host[:port] (default: docker.io)')
    .option('--authfile <file>', 'remove from this file instead of the Docker config')
    .addHelpText('after', examples(['ocipull logout ghcr.io']))
    .action(bind(async () => (await import('./commands/login.js')).logoutCommand));

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

  return program;
}

/** True for commander's own "exit now" signals: help or version printed (exit 0), or a usage error (exit 2). */
export function isCommanderExit(err: unknown): err is CommanderError {
  return err instanceof CommanderError;
}
