import { OcipullError } from '../errors.js';
import type { Reference } from '../reference/index.js';
import type { RegistryClient } from '../registry/client/index.js';
import type { CommandContext } from './context.js';
import { openClient, readStdinSecret } from './open-client.js';
import type { RegistryFlags } from './registry-options.js';

/**
 * Registry clients opened on demand, one per repository (credentials can be per repository), closed together: for
 * the commands that talk to many registries at once (lock, verify, sync). Credentials given on the command line
 * (`--creds`, `--username --password-stdin`) belong to one registry: the password is read from stdin once, and a
 * second registry is refused rather than sent someone else's password (credential files are per host anyway).
 */
export class ClientPool {
  readonly #clients = new Map<string, Promise<RegistryClient>>();
  readonly #flags: RegistryFlags;
  readonly #ctx: CommandContext;
  #password: Promise<string> | undefined;
  #credsDomain: string | undefined;

  readonly #refuse: ((ref: Pick<Reference, 'domain' | 'path'>) => Promise<void>) | undefined;

  /** `refuse` may reject a repository before its client is opened (a registries.conf `blocked` entry). */
  constructor(
    flags: RegistryFlags,
    ctx: CommandContext,
    refuse?: (ref: Pick<Reference, 'domain' | 'path'>) => Promise<void>,
  ) {
    this.#flags = flags;
    this.#ctx = ctx;
    this.#refuse = refuse;
  }

  /** The client for `ref`'s registry and repository. */
  get = (ref: Pick<Reference, 'domain' | 'path'>): Promise<RegistryClient> => {
    const key = `${ref.domain}/${ref.path}`;
    let client = this.#clients.get(key);
    if (!client) {
      client = (this.#refuse?.(ref) ?? Promise.resolve()).then(() => this.#open(ref));
      this.#clients.set(key, client);
    }
    return client;
  };

  async #open(ref: Pick<Reference, 'domain' | 'path'>): Promise<RegistryClient> {
    const flags = this.#flags;
    const explicit =
      flags.creds !== undefined || flags.username !== undefined || flags.passwordStdin === true;
    if (!explicit) return openClient(ref.domain, ref.path, flags, this.#ctx);
    this.#credsDomain ??= ref.domain;
    if (this.#credsDomain !== ref.domain) {
      throw new OcipullError(
        'E_USAGE',
        `credentials given on the command line are for one registry, but the images are on ${this.#credsDomain} and ${ref.domain}`,
        { hint: 'store credentials per registry instead: ocipull login HOST (or a credential helper)' },
      );
    }
    if (flags.passwordStdin && flags.username) {
      this.#password ??= readStdinSecret(this.#ctx);
      const creds = `${flags.username}:${await this.#password}`;
      return openClient(
        ref.domain,
        ref.path,
        { ...flags, creds, username: undefined, passwordStdin: false },
        this.#ctx,
      );
    }
    return openClient(ref.domain, ref.path, flags, this.#ctx);
  }

  async close(): Promise<void> {
    const all = [...this.#clients.values()];
    this.#clients.clear();
    await Promise.all(all.map(async (c) => (await c.catch(() => undefined))?.close()));
  }
}
