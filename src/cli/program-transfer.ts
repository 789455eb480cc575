import { type Command, Option } from 'commander';
import { type Bind, examples } from './program-util.js';
import { addRegistryOptions, parseBool, parsePositive, parseSize } from './registry-options.js';
import { checkShorthand } from './shorthand.js';

/** pull (the default command), copy, push, tag and unpack: the commands that move images. */
export function addTransferCommands(program: Command, bind: Bind): void {
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
    { mirrors: true },
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
      )
      .option('--src-plain-http', 'plain HTTP for the source registry only (--plain-http: both sides)')
      .option('--dest-plain-http', 'plain HTTP for the destination registry only'),
    { credentials: false, mirrors: true },
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
    { mirrors: true },
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
}
