import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { declareModules, printPermissionsPage } from '../../src/graphql/schema.js';
import { modules } from '../../src/modules/registry.js';

describe('the rules page', () => {
  const page = printPermissionsPage(declareModules(modules));

  it('is in docs/permissions.md exactly as `npm run codegen` writes it (run it after changing rules)', () => {
    expect(readFileSync(new URL('../../docs/permissions.md', import.meta.url), 'utf8')).toBe(page);
  });

  it('names each field with the rule that decides it and the module that declared it', () => {
    expect(page).toContain('| `Query.users` | `chain(isAuthenticated, isAdmin)` | accounts |');
    expect(page).toContain('| `User.email` | `canSeeEmail` | accounts |');
    expect(page).toContain('| `Post.title` | `allow` | posts |');
    expect(page).not.toContain('**none**');
  });
});
