export const ROLES = ['VIEWER', 'USER', 'ADMIN'] as const;
export type Role = (typeof ROLES)[number];

export type Scope = 'read' | 'write' | 'admin';

// The contract's table: VIEWER read; USER read write; ADMIN read write admin.
const SCOPES: Record<Role, readonly Scope[]> = {
  VIEWER: ['read'],
  USER: ['read', 'write'],
  ADMIN: ['read', 'write', 'admin'],
};

/** The permissions a role grants, in the token's `scope` order. */
export function scopesForRole(role: Role): readonly Scope[] {
  return SCOPES[role];
}

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}
