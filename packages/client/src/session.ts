import { print } from 'graphql';
import { RefreshTokenDocument } from './__generated__/graphql.js';

/** The tokens of one signed-in session, as `login`, `signUp`, `refreshToken`, `verifyMfa` and the other AuthPayload mutations return them. */
export interface GatehouseTokens {
  accessToken: string;
  refreshToken: string;
}

/**
 * Where the tokens live. Synchronous or asynchronous; the kit ships a memory store and
 * one over the Web Storage API (`sessionStorage`, `localStorage`); bring your own for
 * anything else (React Native's secure storage, IndexedDB…).
 */
export interface TokenStorage {
  get(): GatehouseTokens | null | Promise<GatehouseTokens | null>;
  set(tokens: GatehouseTokens | null): void | Promise<void>;
}

/** Why a session ended on the server side: the app should show its login screen. */
export type SessionEndReason = 'SESSION_REVOKED' | 'REFRESH_TOKEN_REUSED' | 'REFRESH_TOKEN_INVALID';

const SESSION_END_REASONS: ReadonlySet<string> = new Set<SessionEndReason>([
  'SESSION_REVOKED',
  'REFRESH_TOKEN_REUSED',
  'REFRESH_TOKEN_INVALID',
]);

export function isSessionEndReason(reason: unknown): reason is SessionEndReason {
  return typeof reason === 'string' && SESSION_END_REASONS.has(reason);
}

/** Tokens in this page's memory only: gone on reload. The default. */
export function memoryTokenStorage(initial: GatehouseTokens | null = null): TokenStorage {
  let tokens = initial;
  return {
    get: () => tokens,
    set: (next) => void (tokens = next),
  };
}

/** The slice of the Web Storage API the kit uses (`window.sessionStorage` has it). */
export interface WebStorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/**
 * Tokens in Web Storage under one key. `sessionStorage` keeps them per tab until it
 * closes; `localStorage` shares them between tabs (the server's refresh grace lets two
 * tabs refresh at once). Either is readable by any script on the page: keep XSS out.
 */
export function webTokenStorage(storage: WebStorageLike, key = 'gatehouse.tokens'): TokenStorage {
  return {
    get() {
      try {
        const value = JSON.parse(storage.getItem(key) ?? 'null') as Partial<GatehouseTokens> | null;
        return typeof value?.accessToken === 'string' && typeof value.refreshToken === 'string'
          ? { accessToken: value.accessToken, refreshToken: value.refreshToken }
          : null;
      } catch {
        return null;
      }
    },
    set(tokens) {
      if (tokens === null) storage.removeItem(key);
      else storage.setItem(key, JSON.stringify({ accessToken: tokens.accessToken, refreshToken: tokens.refreshToken }));
    },
  };
}

export interface SessionOptions {
  /** The GraphQL endpoint, e.g. `https://api.example.com/graphql`. */
  uri: string;
  storage: TokenStorage;
  fetch: typeof globalThis.fetch;
  onSessionEnded: (reason: SessionEndReason) => void;
}

/** Signs in and out, and refreshes: at most one refresh in flight per expired access token. */
export interface Session {
  /** The current access token, or null when signed out. */
  accessToken(): Promise<string | null>;
  /** Stores the tokens of an AuthPayload answer (`login`, `signUp`, `refreshToken`, `changePassword`, `resetPassword`, `verifyMfa`, `reauthenticate`). */
  signIn(tokens: GatehouseTokens): Promise<void>;
  /** Forgets the tokens (after `logout`, or to sign out locally). */
  signOut(): Promise<void>;
  /** Forgets the tokens because the server ended the session, and tells the app. */
  end(reason: SessionEndReason): Promise<void>;
  /**
   * A fresh access token to replace `expired`: every caller holding the same expired token
   * shares one `refreshToken` call. Null when the session is over (the app was told).
   */
  refresh(expired: string): Promise<string | null>;
}

export function createSession(options: SessionOptions): Session {
  const { storage } = options;
  // The refresh started for one expired access token; everyone who held that token waits for it.
  let last: { from: string; result: Promise<string | null> } | undefined;

  const end = async (reason: SessionEndReason) => {
    await storage.set(null);
    options.onSessionEnded(reason);
  };

  const exchange = async (expired: string): Promise<string | null> => {
    const tokens = await storage.get();
    if (tokens === null) return null;
    // Someone (another tab sharing localStorage, a login) already replaced it.
    if (tokens.accessToken !== expired) return tokens.accessToken;
    const response = await options.fetch(options.uri, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json' },
      body: JSON.stringify({
        operationName: 'RefreshToken',
        query: print(RefreshTokenDocument),
        variables: { refreshToken: tokens.refreshToken },
      }),
    });
    const body = (await response.json()) as {
      data?: { refreshToken?: GatehouseTokens } | null;
      errors?: Array<{ extensions?: { reason?: unknown } }>;
    };
    const fresh = body.data?.refreshToken;
    if (fresh) {
      await storage.set({ accessToken: fresh.accessToken, refreshToken: fresh.refreshToken });
      return fresh.accessToken;
    }
    const reason = body.errors?.[0]?.extensions?.reason;
    if (isSessionEndReason(reason)) {
      await end(reason);
      return null;
    }
    throw new Error(`Could not refresh the session (HTTP ${response.status}).`);
  };

  return {
    accessToken: async () => (await storage.get())?.accessToken ?? null,
    signIn: async (tokens) => storage.set({ accessToken: tokens.accessToken, refreshToken: tokens.refreshToken }),
    signOut: async () => storage.set(null),
    end,
    refresh(expired) {
      if (last?.from !== expired) {
        const attempt = { from: expired, result: exchange(expired) };
        last = attempt;
        // A failure (network, 503) is not cached: the next caller tries again.
        attempt.result.catch(() => {
          if (last === attempt) last = undefined;
        });
      }
      return last.result;
    },
  };
}
