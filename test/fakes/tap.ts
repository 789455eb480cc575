import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { RecordedRequest } from './fault-registry.js';

/** A response read whole from the upstream. */
export interface Forwarded {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** Answers a request itself (return true) or leaves it to plain forwarding (false); `forward` fetches upstream. */
export type TapHook = (
  req: IncomingMessage,
  res: ServerResponse,
  forward: () => Promise<Forwarded>,
  tap: Tap,
) => boolean | Promise<boolean>;

/**
 * A real HTTP server on 127.0.0.1 in front of another one (a registry): it records every request (method, path,
 * headers) and forwards it, unless a hook answers instead, to corrupt a body or to die halfway through one. It is
 * the "fault server between" of the mirror tests; nothing in ocipull is mocked.
 */
export class Tap {
  readonly server: Server;
  readonly target: URL;
  readonly requests: RecordedRequest[] = [];
  hooks: TapHook[] = [];
  #host: string | undefined;

  private constructor(server: Server, target: URL) {
    this.server = server;
    this.target = target;
  }

  /** Listens on 127.0.0.1 (with `tls`, https with that certificate) and forwards to `target`. */
  static async start(
    target: string,
    opts: { tls?: { certPath: string; keyPath: string } } = {},
  ): Promise<Tap> {
    const server = opts.tls
      ? createTlsServer({ cert: await readFile(opts.tls.certPath), key: await readFile(opts.tls.keyPath) })
      : createServer();
    const tap = new Tap(server, new URL(target));
    server.on('request', (req, res) => {
      tap.handle(req, res).catch(() => res.destroy());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    void tap.host;
    return tap;
  }

  /** `127.0.0.1:PORT`, usable as a reference domain or a mirror location (also after `kill`). */
  get host(): string {
    this.#host ??= `127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.#host;
  }

  hook(h: TapHook): void {
    this.hooks.unshift(h);
  }

  /** Stops listening and drops every open connection: a mirror that went away. */
  kill(): void {
    this.server.close();
    this.server.closeAllConnections();
  }

  async close(): Promise<void> {
    this.kill();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.requests.push({ method: req.method ?? 'GET', path: req.url ?? '/', headers: { ...req.headers } });
    const body = await readAll(req);
    const forward = () => this.forward(req, body);
    for (const h of this.hooks) if (await h(req, res, forward, this)) return;
    const up = await forward();
    res.writeHead(up.status, up.headers);
    res.end(up.body);
  }

  private forward(req: IncomingMessage, body: Buffer): Promise<Forwarded> {
    const headers = { ...req.headers, host: this.target.host };
    return new Promise((resolve, reject) => {
      const out = request(
        { host: this.target.hostname, port: this.target.port, method: req.method, path: req.url, headers },
        async (up) => {
          try {
            resolve({ status: up.statusCode ?? 502, headers: up.headers, body: await readAll(up) });
          } catch (err) {
            reject(err);
          }
        },
      );
      out.on('error', reject);
      out.end(body);
    });
  }
}

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of stream) parts.push(chunk as Buffer);
  return Buffer.concat(parts);
}
