/**
 * A tiny in-process HTTP CONNECT proxy on 127.0.0.1 for playing Docker Hub offline (TESTING.md "Testing the Docker
 * Hub flow end to end, offline"): it tunnels only the `host:port` targets it was given to loopback ports and
 * refuses every other target, recording what it was asked. It never resolves a name and never dials anything but
 * 127.0.0.1, so a client that leaks past it fails instead of reaching the real Docker Hub.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { type AddressInfo, connect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';

/** One CONNECT the proxy received. */
export interface ConnectRecord {
  /** The target as asked, lower-cased: `registry-1.docker.io:443`. */
  target: string;
  /** Whether it was tunnelled (true) or refused (false). */
  allowed: boolean;
}

/** A running CONNECT proxy. */
export interface ConnectProxy {
  /** `http://127.0.0.1:PORT`, for `HTTPS_PROXY`. */
  url: string;
  port: number;
  /** Every CONNECT, in order. */
  connects: ConnectRecord[];
  /** Plain (non-CONNECT) proxy requests, as `METHOD URL`; all refused. */
  plainRequests: string[];
  /** Distinct CONNECT targets, sorted. */
  targets(): string[];
  /** Targets that were refused, distinct and sorted. */
  refused(): string[];
  /** Forgets what was recorded so far. */
  reset(): void;
  stop(): Promise<void>;
}

/** A CONNECT target (`host:port`) with a default port of 443 and a lower-cased host. */
function normalizeTarget(target: string): string {
  const value = target.trim().toLowerCase();
  return /:\d+$/.test(value) ? value : `${value}:443`;
}

/**
 * Starts the proxy. `routes` maps CONNECT targets (`host:port`, e.g. `registry-1.docker.io:443`) to ports on
 * 127.0.0.1; anything else is answered `403 Forbidden`.
 */
export async function startConnectProxy(routes: Readonly<Record<string, number>>): Promise<ConnectProxy> {
  const table = new Map(Object.entries(routes).map(([target, port]) => [normalizeTarget(target), port]));
  const connects: ConnectRecord[] = [];
  const plainRequests: string[] = [];
  const sockets = new Set<Duplex>();
  const track = (socket: Duplex) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    // Absolute-form proxying of plain http: nothing in the Docker Hub flow should need it.
    plainRequests.push(`${req.method ?? ''} ${req.url ?? ''}`);
    res.writeHead(403, { 'content-type': 'text/plain', connection: 'close' });
    res.end('ocipull test proxy: only CONNECT to known hosts\n');
  });

  server.on('connect', (req: IncomingMessage, client: Duplex, head: Buffer) => {
    track(client);
    client.on('error', () => client.destroy());
    const target = normalizeTarget(req.url ?? '');
    const port = table.get(target);
    connects.push({ target, allowed: port !== undefined });
    if (port === undefined) {
      client.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      return;
    }
    const upstream: Socket = connect({ host: '127.0.0.1', port });
    track(upstream);
    upstream.on('error', () => {
      if (client.writable) client.end('HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n');
      client.destroy();
    });
    upstream.once('connect', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    client.once('close', () => upstream.destroy());
    upstream.once('close', () => client.destroy());
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0 }, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const distinct = (records: ConnectRecord[]) => [...new Set(records.map((r) => r.target))].sort();

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    connects,
    plainRequests,
    targets: () => distinct(connects),
    refused: () => distinct(connects.filter((r) => !r.allowed)),
    reset: () => {
      connects.length = 0;
      plainRequests.length = 0;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
