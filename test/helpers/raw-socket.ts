import WebSocket from 'ws';

export interface RawSocketOptions {
  /** Every address in 127.0.0.0/8 reaches the server: another one acts as another client. */
  localAddress?: string;
  origin?: string;
  headers?: Record<string, string>;
}

/** A bare graphql-ws socket: it sends nothing until told, so it is counted without connection_init. */
export function rawSocket(baseUrl: string, { localAddress = '127.0.0.1', origin, headers }: RawSocketOptions = {}) {
  const socket = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws', {
    localAddress,
    ...(origin !== undefined && { origin }),
    ...(headers !== undefined && { headers }),
  });
  socket.on('error', () => {});
  /** 101 once upgraded, else the handshake's HTTP status. */
  const handshake = new Promise<number>((resolve) => {
    socket.once('open', () => resolve(101));
    socket.once('unexpected-response', (_request, response) => {
      resolve(response.statusCode ?? 0);
      socket.terminate();
    });
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  /** Sends connection_init and resolves on connection_ack (rejects if the socket closes first). */
  const acknowledged = async () => {
    if ((await handshake) !== 101) throw new Error('the handshake was refused');
    socket.send(JSON.stringify({ type: 'connection_init' }));
    await new Promise<void>((resolve, reject) => {
      socket.on('message', (data) => JSON.parse(String(data)).type === 'connection_ack' && resolve());
      void closed.then(({ code, reason }) => reject(new Error(`closed ${code} ${reason}`)));
    });
  };
  const close = async () => {
    socket.close();
    await closed;
  };
  return { handshake, closed, acknowledged, close };
}

export type RawSocket = ReturnType<typeof rawSocket>;
