import { type Command, Option } from 'commander';
import { type Bind, examples } from './program-util.js';
import { addRegistryOptions } from './registry-options.js';

/** ref, inspect, digest, tags, ratelimit, login and logout: the commands that read, and credentials. */
export function addInspectCommands(program: Command, bind: Bind): void {
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
    { mirrors: true },
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
    { mirrors: true },
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
}
