import type { Role } from './roles.js';

/** A user as the rest of the server sees it: never with its password hash. */
export interface UserRecord {
  readonly id: string;
  readonly email: string;
  readonly name: string | null;
  readonly role: Role;
  readonly createdAt: Date;
  /** Disabled by an admin: cannot sign in, and every session is refused. */
  readonly disabled: boolean;
}
