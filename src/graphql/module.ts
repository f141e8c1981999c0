import type { chain } from 'graphql-shield';
import type { Config } from '../config.js';
import type { ChangeTopic } from '../db/change-feed.js';
import type { AuditEvent, AuditWriter } from '../db/audit-trail.js';
import type { Db } from '../db/database.js';
import type { ReadCache } from '../db/read-cache.js';
import type { Resolvers } from './__generated__/resolvers-types.js';
import type { Services } from './context.js';

/** A graphql-shield rule (`allow`, `deny`, a `rule(…)`, a `chain(…)`). */
export type Rule = Parameters<typeof chain>[number];

/**
 * Who may resolve what: per type, one rule for every field of the type (type-wide) or
 * one rule per field. Every field of the schema must be covered, or the server refuses
 * to start naming the fields.
 */
export type RuleMap = Readonly<Record<string, Rule | Readonly<Record<string, Rule>>>>;

/** The slice of the server's (pino) logger that modules write to. */
export interface Log {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

/** What the server gives each module when it starts: shared infrastructure and the core services. */
export interface Kernel {
  readonly config: Config;
  readonly db: Db;
  readonly log: Log;
  /** The core services (accounts, sessions, tokens, cursors) every request's context carries. */
  readonly services: Services;
  /** Tells every instance about a change. Never fails a request: a lost notification is logged. */
  publish<Payload>(topic: ChangeTopic<Payload>, payload: Payload): Promise<void>;
  /** Hears a change made here or on another instance, after the core's own listeners. */
  on<Payload>(topic: ChangeTopic<Payload>, listener: (payload: Payload) => void): void;
  /** Notifications may have been missed: forget what is cached. */
  onReset(listener: () => void): void;
  /** The server's own base URL (e.g. http://127.0.0.1:4000), known once it listens. */
  serverUrl(): string;
  /** A short-lived cache of database reads (the TTL every instance's caches share); clear it on change. */
  createReadCache<Value>(): ReadCache<Value>;
  /** Writes an audit event within `tx`, the transaction of the change it records. */
  recordAuditEvent(tx: AuditWriter, event: AuditEvent): Promise<void>;
  /**
   * A 32-byte key for `purpose`, derived (HKDF) from the server's signing key: what a
   * module encrypts or MACs with it is useless to whoever holds only a database dump.
   */
  deriveSecret(purpose: string): Buffer;
}

/** A started module: its resolvers, its plain HTTP routes, and what to release on shutdown. */
export interface ModuleInstance {
  readonly resolvers: Resolvers;
  /** GET routes outside GraphQL (development pages such as /dev/mail). */
  readonly routes?: readonly ModuleRoute[];
  close?(): Promise<void>;
}

/** A GET route a module serves, with no web framework in sight: a path and what to answer. */
export interface ModuleRoute {
  /** e.g. `/dev/mail` or `/dev/mail/:id` */
  readonly path: string;
  handle(request: { readonly params: Readonly<Record<string, string>> }): Promise<ModuleRouteReply>;
}

export interface ModuleRouteReply {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
}

/**
 * A domain: one folder that declares everything it brings. The registry
 * (src/modules/registry.ts) lists the modules; the schema, the resolver map, the rule tree,
 * the codegen mappers and the change routing are built from it.
 */
export interface GatehouseModule {
  /** Unique, kebab-case. */
  readonly name: string;
  /** SDL files under schema/ that this module owns (every file there has one owner). */
  readonly schemaFiles?: readonly string[];
  /** SDL written inline, for a module whose SDL does not live in schema/ (tests). */
  readonly typeDefs?: string;
  /** Its permission rules; see RuleMap. */
  readonly rules: RuleMap;
  /**
   * The properties of the record behind each of its object types. A field that has
   * neither a resolver nor a property of that name refuses the server's start.
   */
  readonly records?: Readonly<Record<string, readonly string[]>>;
  /** Codegen mappers: GraphQL type → `path/from/src.js#TypeName` of the record behind it. */
  readonly mappers?: Readonly<Record<string, string>>;
  /** The change topics it publishes (each must have a listener somewhere). */
  readonly topics?: ReadonlyArray<Pick<ChangeTopic<unknown>, 'name'>>;
  /** Builds its services, listens to the topics it cares about, and returns its resolvers. */
  setup(kernel: Kernel): ModuleInstance | Promise<ModuleInstance>;
}

/** Declares a module; see GatehouseModule. */
export function defineModule(module: GatehouseModule): GatehouseModule {
  if (!/^[a-z][a-z0-9-]*$/.test(module.name)) throw new Error(`Module name "${module.name}" must be kebab-case.`);
  return Object.freeze(module);
}

/**
 * The property names of a record type, checked by the compiler to be exactly its keys:
 * `recordKeys<PostRecord>()('id', 'title', …)`.
 */
export function recordKeys<Record>() {
  return <const Keys extends ReadonlyArray<keyof Record & string>>(
    ...keys: Keys & ([Exclude<keyof Record & string, Keys[number]>] extends [never] ? unknown : ['missing', Exclude<keyof Record & string, Keys[number]>])
  ): readonly string[] => keys;
}
