import type { Command } from 'commander';
import { type Bind, examples } from './program-util.js';
import { addMirrorOptions } from './registry-options.js';

/** `ocipull mirrors`: the dry run of where a pull would go, through registries.conf and the mirror flags. */
export function addMirrorsCommand(program: Command, bind: Bind): void {
  const cmd = program
    .command('mirrors')
    .summary('show, in order, where a pull of each REF would go (registries.conf mirrors; a dry run)')
    .description(
      'Resolve each REF through registries.conf (v2, with containers/image rules: longest prefix, wildcards, ' +
        'location rewriting, blocked, insecure, mirror-by-digest-only, pull-from-mirror) plus --mirror, ' +
        'OCIPULL_MIRRORS and, with --docker-mirrors, /etc/docker/daemon.json, and print the endpoints in the order ' +
        'a pull tries them: eligible mirrors first, the primary location last. Nothing is contacted. ' +
        'pull, inspect, digest, copy (its source) and unpack take the same flags and go exactly there.',
    )
    .argument('<ref...>', 'image references');
  addMirrorOptions(cmd)
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
