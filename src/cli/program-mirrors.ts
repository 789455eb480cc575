import type { Command } from 'commander';
import { type Bind, examples } from './program-util.js';

/** `ocipull mirrors`: the dry run of where a pull would go, through registries.conf and the mirror flags. */
export function addMirrorsCommand(program: Command, bind: Bind): void {
  const collect = (value: string, previous: string[] = []) => [...previous, value];
  program
    .command('mirrors')
    .summary('show, in order, where a pull of each REF would go (registries.conf mirrors; a dry run)')
    .description(
      'Resolve each REF through registries.conf (v2, with containers/image rules: longest prefix, wildcards, ' +
        'location rewriting, blocked, insecure, mirror-by-digest-only, pull-from-mirror) plus --mirror, ' +
        'OCIPULL_MIRRORS and, with --docker-mirrors, /etc/docker/daemon.json, and print the endpoints in the order ' +
        'a pull tries them: eligible mirrors first, the primary location last. Nothing is contacted. ' +
        'pull, inspect and copy do not use mirrors yet.',
    )
    .argument('<ref...>', 'image references')
    .option(
      '--registries-conf <file>',
      'read this registries.conf (default: $CONTAINERS_REGISTRIES_CONF, ~/.config, /etc)',
    )
    .option('--registries-conf-dir <dir>', 'read drop-ins (*.conf) only from DIR')
    .option(
      '--mirror <prefix=location[,opts]>',
      "a mirror for PREFIX, before the files' (opts: digest-only|tag-only, insecure); repeatable",
      collect,
    )
    .option('--no-mirrors', 'use no mirrors at all (rewriting and blocked still apply)')
    .option('--docker-mirrors', "also use /etc/docker/daemon.json's registry-mirrors for docker.io")
    .option('--json', 'one {input, reference, blocked, endpoints: [{reference, mirror, insecure}]} per line')
    .addHelpText(
      'after',
      examples([
        'ocipull mirrors debian:12 debian@sha256:…',
        'ocipull mirrors --registries-conf ./registries.conf --json ghcr.io/org/app:1.2',
        'ocipull mirrors --mirror docker.io=mirror.internal:5000,digest-only debian',
      ]),
    )
    .action(bind(async () => (await import('./commands/mirrors.js')).mirrorsCommand));
}
