import type { GatehouseModule } from '../graphql/module.js';
import { accountsModule } from './accounts/accounts-module.js';
import { auditModule } from './audit/audit-module.js';
import { coreModule } from './core/core-module.js';
import { emailModule } from './email/email-module.js';
import { mfaModule } from './mfa/mfa-module.js';
import { postsModule } from './posts/posts-module.js';

/** Every module the server runs, one line each; the schema, rules and services are built from this list. */
export const modules: readonly GatehouseModule[] = [
  coreModule,
  accountsModule,
  postsModule,
  auditModule,
  emailModule,
  mfaModule,
];
