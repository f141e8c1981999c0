import { createServer, connect, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy in front of PostgreSQL that a test can take down and bring back: down
 * resets every open connection and refuses new ones (the database stopped); blackhole
 * accepts connections and never answers (the network lost the packets).
 */
export interface TcpProxy {
  readonly port: number;
  down(): Promise<void>;
  blackhole(): void;
  up(): Promise<void>;
  close(): Promise<void>;
}

export async function startTcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  let mode: 'up' | 'blackhole' = 'up';
  let server: Server;
  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      server = createServer((client) => {
        sockets.add(client);
        client.on('close', () => sockets.delete(client));
        client.on('error', () => {});
        if (mode === 'blackhole') return;
        const upstream = connect(targetPort, targetHost);
        sockets.add(upstream);
        upstream.on('close', () => (sockets.delete(upstream), client.destroy()));
        upstream.on('error', () => client.destroy());
        client.on('close', () => upstream.destroy());
        client.pipe(upstream).pipe(client);
      });
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve((server.address() as { port: number }).port));
    });
  const port = await listen(0);
  const closeServer = () => new Promise<void>((resolve) => server.close(() => resolve()));
  const resetAll = () => {
    for (const socket of sockets) socket.resetAndDestroy();
    sockets.clear();
  };
  return {
    port,
    down: async () => {
      const closed = closeServer();
      resetAll();
      await closed;
    },
    blackhole: () => {
      mode = 'blackhole';
      resetAll();
    },
    up: async () => {
      mode = 'up';
      if (!server.listening) await listen(port);
    },
    close: async () => {
      const closed = server.listening ? closeServer() : Promise.resolve();
      resetAll();
      await closed;
    },
  };
}
