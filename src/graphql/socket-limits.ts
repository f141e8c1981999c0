/** How many subscription sockets and operations the server holds; past a bound the socket is closed with 4429. */
export interface SocketLimits {
  /** Open sockets from one client address (TRUST_PROXY applied), counted from the upgrade on. */
  readonly maxSocketsPerAddress: number;
  /** Open sockets on this process, from every address. */
  readonly maxSockets: number;
  /** Subscriptions running at once on one socket. */
  readonly maxOperationsPerSocket: number;
}

export const SOCKET_LIMITS: SocketLimits = {
  // A user with a dozen tabs and a few devices behind one NAT stays well under it; one
  // address holding 8,000 sockets does not.
  maxSocketsPerAddress: 50,
  // Bounds the memory and file descriptors one process gives to sockets (each also holds a
  // session check); more clients belong on another instance.
  maxSockets: 10_000,
  // An application subscribes to a handful of things per screen; each subscription has an
  // event queue of up to 1,000 events, so 20,000 on one socket was one client's to fill.
  maxOperationsPerSocket: 100,
};

/** Why a socket was refused, as its close reason. */
export const SOCKET_REFUSALS = {
  perAddress: 'Too many sockets from this address',
  total: 'Too many sockets',
  perSocket: 'Too many subscriptions on this socket',
} as const;

export type SocketRefusal = (typeof SOCKET_REFUSALS)[keyof typeof SOCKET_REFUSALS];

/** Counts open sockets per client address and in total. */
export interface SocketCounter {
  /** Counts a socket from `address` and returns a release function, or the refusal when a bound is reached. */
  admit(address: string): { release: () => void } | { refused: SocketRefusal };
  /** Open sockets counted (all addresses). */
  readonly open: number;
}

export function createSocketCounter(limits: Pick<SocketLimits, 'maxSockets' | 'maxSocketsPerAddress'>): SocketCounter {
  const perAddress = new Map<string, number>();
  let open = 0;
  return {
    admit(address) {
      const fromAddress = perAddress.get(address) ?? 0;
      if (fromAddress >= limits.maxSocketsPerAddress) return { refused: SOCKET_REFUSALS.perAddress };
      if (open >= limits.maxSockets) return { refused: SOCKET_REFUSALS.total };
      perAddress.set(address, fromAddress + 1);
      open++;
      let released = false;
      return {
        release: () => {
          if (released) return;
          released = true;
          open--;
          const left = (perAddress.get(address) ?? 1) - 1;
          // No entry per address that once connected: the map holds open addresses only.
          if (left === 0) perAddress.delete(address);
          else perAddress.set(address, left);
        },
      };
    },
    get open() {
      return open;
    },
  };
}
