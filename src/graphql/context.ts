import type { AuthDependencies } from '../auth/auth-dependencies.js';
import type { Viewer } from '../auth/viewer.js';
import type DataLoader from 'dataloader';
import type { Cursors } from '../pagination/connection.js';
import type { UserAdminDependencies } from '../users/user-admin.js';
import type { UserRecord } from '../users/user-record.js';
import type { ExecutionDeadline } from './execution-deadline.js';
import type { OperationLogEntry } from './operation-log.js';

/** The per-request context every resolver and rule receives. */
export interface GraphQLContext {
  /** The verified caller; null when the request is anonymous. */
  readonly viewer: Viewer | null;
  readonly services: Services;
  /** The client's User-Agent, recorded on sessions it starts. */
  readonly userAgent: string | null;
  /** The client's address (behind trusted proxies: from X-Forwarded-For); for brute-force limits. */
  readonly clientIp: string;
  /**
   * Users whose password this request has just proved (signUp, login): their own
   * fields (email) are visible in the AuthPayload although the request is anonymous.
   */
  readonly credentialsVerifiedFor: Set<string>;
  /**
   * The device token the request presented (header or cookie), and the one to send back
   * (set by a sign-in, written to the response by apollo-server.ts's device plugin).
   */
  readonly device: { readonly presented: string | null; issued: string | null };
  /** What this request's log line will say about its operation; filled in as it runs. */
  readonly operationLog: OperationLogEntry;
  /** True for a subscription's context, which lives as long as its socket: nothing may be cached in it. */
  readonly longLived: boolean;
  /** The request's time budget: loaders check it before each batch of database work. */
  readonly deadline: ExecutionDeadline;
  /** Per-request batching: a page of 100 posts loads its authors in one query. */
  readonly loaders: { readonly userById: DataLoader<string, UserRecord | null> };
}

/** The core services (accounts, sessions, tokens), built once per server; modules build their own. */
export type Services = AuthDependencies &
  UserAdminDependencies & {
    /** Cursor codecs, one per list: a module takes its own with `forList`. */
    readonly cursors: Cursors;
  };
